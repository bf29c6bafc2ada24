"""Every run's batch-size trajectory priced on the stored device profiles the config names (`price_on`):
results/stats/device_pricing.csv and predicted_claims.csv (deba.analysis.pricing, docs/analysis.md).

The profiles are this rule's inputs, so adding or changing one under benchmarks/results/profiles/ (with
`price_on: all`, the default) reruns the pricing and what shows it, never the statistics or training.
"""

from deba import profiles as device_profiles

try:
    PRICE_ON = device_profiles.resolve_names(config["price_on"])
except device_profiles.ProfileError as error:
    raise WorkflowError(f"config key price_on: {error}") from None
PRICING_PROFILES = [str(device_profiles.profile_path(name)) for name in PRICE_ON]
PRICING = {name: layout.source_path(name) for name in layout.PRICING_FILES}


rule device_pricing:
    input:
        runs=AGGREGATE["runs"],
        epochs=AGGREGATE["epochs"],
        profiles=PRICING_PROFILES,
    output:
        **PRICING,
    params:
        price_on=PRICE_ON,
        n_resamples=ANALYSIS_RESAMPLES,
        seed=0,
        code=script_code("analysis_pricing.py"),
    log:
        "results/logs/analysis/device_pricing.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/analysis_pricing.py"
