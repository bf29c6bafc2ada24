"""Select the pinned corpus from the candidate list by the written criteria (docs/smells.md, "Selection").

    python -m smells.select config/smells-select.yaml

reads the selection settings (candidate file, cutoff date, recency, size bounds, projects per group, where
to write) and writes the corpus config (e.g. ``config/smells-300.yaml``), its lock file and a report of
every candidate looked at with its verdict. Rerun on the same candidate file and settings, it writes the
same three files: the pinned release is the newest one uploaded on or before the fixed cutoff date, and
the index's past releases do not change.

Per group (ML, non-ML) the domains take turns in the order the settings list them; each turn a domain takes
its next candidate in rank order (most downloaded first; unranked, hand-added candidates after the ranked
ones) that passes every criterion, until the group is full. A domain with no candidates left drops out, so
the domains are balanced as far as their candidates allow, and a candidate that fails a criterion is
replaced only by this procedure (the next candidate of its domain). Criteria, checked in this order:

1. on the index, with a final (not pre-, not yanked) release uploaded on or before the cutoff;
2. recent: that release uploaded at most ``max_age_days`` before the cutoff;
3. pure Python: that release has a ``py3-none-any`` (or ``py2.py3-none-any``) wheel;
4. safe and within size: the wheel extracts under the fetch caps, its own code (the study's file selection)
   has at least ``min_kloc`` KLOC in the files the study scans and at most ``max_lines`` physical lines;
5. its group by imports (``smells.classify``, as in the study) is the group its domain suggests.

A download that fails or whose sha256 differs from the index's is not a verdict: it is named, the rest
goes on (verified wheels stay in the cache), and no corpus is written until a rerun, which fetches only
what is missing, has every candidate it needs.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from smells.corpus import extracted_projects
from smells.fetch import (
    HashMismatchError,
    UnsafeArchiveError,
    download_url,
    safe_extract,
    verify_hash,
)
from smells.study import scan_project

GROUPS = ("ML", "non-ML")
CANDIDATE_COLUMNS = ("name", "domain", "expected", "rank", "source")
# The settings' keys, types and bounds (it refers to the study's schema for the scan and fetch settings).
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "workflow" / "schemas"
SETTINGS_SCHEMA = "smells_select.schema.yaml"


class SelectionError(RuntimeError):
    """The selection could not finish (a download failed or was refused, or a group could not be filled)."""


@dataclass(frozen=True)
class Release:
    """The release a candidate is pinned to, as the index describes it."""

    version: str
    uploaded: dt.datetime  # the earliest upload time of its files (UTC)
    wheel: dict | None  # {"filename", "url", "sha256"} of its pure-Python wheel, or None


class CandidateMissing(LookupError):
    """The index has no project of that name."""


class PyPIIndex:
    """PyPI's JSON API (``/pypi/<name>/json``): one request per candidate looked at, nothing else."""

    def __init__(self, base: str = "https://pypi.org/pypi", timeout_s: float = 60) -> None:
        self.base, self.timeout_s = base.rstrip("/"), timeout_s

    def project(self, name: str) -> dict:
        url = f"{self.base}/{urllib.parse.quote(name)}/json"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
                document = json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                raise CandidateMissing(name) from None
            raise
        # A mirror may give file URLs relative to the page: make them absolute for the lock file.
        for files in (document.get("releases") or {}).values():
            for item in files:
                item["url"] = urllib.parse.urljoin(url, item["url"])
        return document


def pinned_release(document: dict, cutoff: dt.datetime) -> Release | None:
    """The newest final, non-yanked release uploaded on or before ``cutoff`` (None if there is none)."""
    best = None
    for version, files in (document.get("releases") or {}).items():
        try:
            parsed = Version(version)
        except InvalidVersion:
            continue
        files = [f for f in files if not f.get("yanked")]
        if parsed.is_prerelease or parsed.is_devrelease or not files:
            continue
        uploaded = min(_time(f["upload_time_iso_8601"]) for f in files)
        if uploaded > cutoff or (best is not None and parsed <= best[0]):
            continue
        best = (parsed, version, uploaded, files)
    if best is None:
        return None
    _, version, uploaded, files = best
    wheel = next(({"filename": f["filename"], "url": f["url"], "sha256": f["digests"]["sha256"]}
                  for f in sorted(files, key=lambda f: f["filename"]) if _is_pure_wheel(f["filename"])), None)
    return Release(version, uploaded, wheel)


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def _is_pure_wheel(filename: str) -> bool:
    if not filename.endswith(".whl"):
        return False
    try:
        tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return False
    # A compressed tag set such as py2.py3-none-any parses into one tag per interpreter.
    interpreters = {t.interpreter for t in tags}
    return all(t.abi == "none" and t.platform == "any" for t in tags) and "py3" in interpreters


def settings_validator():
    """A JSON-schema validator of the settings (workflow/schemas/smells_select.schema.yaml), which resolves its
    references into the study's schema and checks the cutoff's date format."""
    import jsonschema
    from referencing import Registry, Resource

    schemas = {name: yaml.safe_load((SCHEMA_DIR / name).read_text())
               for name in (SETTINGS_SCHEMA, "smells.schema.yaml")}
    registry = Registry().with_resources((name, Resource.from_contents(schema)) for name, schema in schemas.items())
    validator = jsonschema.validators.validator_for(schemas[SETTINGS_SCHEMA])
    return validator(schemas[SETTINGS_SCHEMA], registry=registry, format_checker=validator.FORMAT_CHECKER)


def load_settings(path: str | Path) -> dict:
    """The selection settings (``smells_select`` block of a YAML file), checked against their schema; a bad
    one is a ValueError naming the key, its value and what the schema asks."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"smells select: settings file not found: {path}") from None
    settings = (document or {}).get("smells_select") if isinstance(document, dict) else None
    if not isinstance(settings, dict):
        raise ValueError(f"{path}: expected a mapping under the key 'smells_select'")
    import jsonschema

    error = jsonschema.exceptions.best_match(settings_validator().iter_errors(settings))
    if error is not None:
        key = ".".join(map(str, ["smells_select", *error.absolute_path]))
        value = f" = {error.instance!r}" if error.absolute_path else ""
        raise ValueError(f"{path}: {key}{value}: {error.message}")
    return settings


def load_candidates(path: str | Path, domains: dict[str, list[str]]) -> pd.DataFrame:
    """The candidate list (CSV with name, domain, expected, rank, source), checked row by row."""
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype={"name": str, "domain": str, "expected": str, "source": str},
                            keep_default_na=False)
    except FileNotFoundError:
        raise FileNotFoundError(f"smells select: candidate file not found: {path}") from None
    missing = [c for c in CANDIDATE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing} (expected {list(CANDIDATE_COLUMNS)})")
    known = {d: g for g, names in domains.items() for d in names}
    for row, entry in enumerate(table.itertuples(), start=2):  # row 1 is the header
        if not entry.name:
            raise ValueError(f"{path}: row {row} has no name")
        if entry.domain not in known:
            raise ValueError(f"{path}: row {row} ({entry.name}) has domain {entry.domain!r}; "
                             f"allowed: {sorted(known)}")
        if entry.expected != known[entry.domain]:
            raise ValueError(f"{path}: row {row} ({entry.name}) expects {entry.expected!r} but domain "
                             f"{entry.domain!r} is {known[entry.domain]}")
        if entry.rank != "" and not str(entry.rank).isdigit():
            raise ValueError(f"{path}: row {row} ({entry.name}) has rank {entry.rank!r}; expected a positive "
                             "integer or empty")
    duplicated = sorted(set(table.loc[table["name"].str.lower().duplicated(), "name"]))
    if duplicated:
        raise ValueError(f"{path}: names listed twice: {duplicated}")
    table["rank"] = pd.to_numeric(table["rank"].replace("", None))
    return table


def rank_order(candidates: pd.DataFrame, domain: str) -> list[dict]:
    """The domain's candidates, most downloaded first; unranked ones after, in file order."""
    part = candidates[candidates["domain"] == domain]
    return part.sort_values("rank", kind="stable", na_position="last").to_dict("records")


def evaluate(candidate: dict, index, settings: dict) -> dict:
    """One candidate's verdict: accepted, or rejected with a reason; a fetch failure raises (not a verdict)."""
    cutoff = dt.datetime.combine(dt.date.fromisoformat(settings["cutoff"]), dt.time.max, dt.timezone.utc)
    row = {"name": candidate["name"], "domain": candidate["domain"], "expected": candidate["expected"],
           "rank": candidate["rank"], "verdict": "rejected", "reason": "", "version": "", "uploaded": "",
           "kloc": float("nan"), "lines": float("nan"), "group": "", "ml_imports": ""}
    try:
        release = pinned_release(index.project(candidate["name"]), cutoff)
    except CandidateMissing:
        return {**row, "reason": "not on the index"}
    if release is None:
        return {**row, "reason": f"no final release on or before {settings['cutoff']}"}
    row.update(version=release.version, uploaded=release.uploaded.date().isoformat())
    age = (cutoff - release.uploaded).days
    if age > settings["max_age_days"]:
        return {**row, "reason": f"stale: release {release.version} is {age} days older than the cutoff "
                                 f"(max_age_days={settings['max_age_days']})"}
    if release.wheel is None:
        return {**row, "reason": f"not pure Python: release {release.version} has no py3-none-any wheel"}
    wheel = Path(settings["cache"]) / release.wheel["filename"]
    if wheel.exists():
        verify_hash(wheel, release.wheel["sha256"])  # the cache holds only verified files; check anyway
    else:
        download_url(release.wheel["url"], wheel, release.wheel["sha256"])
    corpus = settings["corpus"]
    with tempfile.TemporaryDirectory(prefix="smells-select-") as tmp:
        try:
            safe_extract(wheel, Path(tmp) / candidate["name"], **settings["fetch"])
        except UnsafeArchiveError as error:
            return {**row, "reason": f"unsafe or oversize archive: {error}"}
        try:
            project = extracted_projects(tmp, [candidate["name"]])[0]
        except FileNotFoundError as error:
            return {**row, "reason": f"not a usable wheel: {error}"}
        summary = scan_project(project, max_lines=corpus["max_lines_per_project"], seed=corpus["seed"],
                               max_bytes=corpus["max_file_bytes"]).summary
    row.update(kloc=summary["kloc"], lines=summary["lines_total"], group=summary["group"],
               ml_imports=summary["ml_imports"])
    if summary["kloc"] < settings["min_kloc"]:
        return {**row, "reason": f"too small: {summary['kloc']:.2f} KLOC scanned < min_kloc={settings['min_kloc']}"}
    if summary["lines_total"] > settings["max_lines"]:
        return {**row, "reason": f"too large: {summary['lines_total']} lines > max_lines={settings['max_lines']}"}
    if summary["group"] != candidate["expected"]:
        evidence = summary["ml_imports"] or "no ML library"
        return {**row, "reason": f"group by imports is {summary['group']} ({evidence}), domain suggests "
                                 f"{candidate['expected']}"}
    return {**row, "verdict": "accepted", "wheel": release.wheel}


def select(candidates: pd.DataFrame, index, settings: dict, log=print) -> tuple[list[dict], list[dict]]:
    """Apply the procedure; returns (accepted rows in selection order, every evaluated row).

    Raises SelectionError naming every failed download after going on with the others, or naming a group
    whose domains ran out of candidates.
    """
    accepted, evaluated, failures = [], [], []
    for group in GROUPS:
        queues = {d: rank_order(candidates, d) for d in settings["domains"][group]}
        taken = 0
        while taken < settings["per_group"] and any(queues.values()):
            for domain, queue in queues.items():
                if taken >= settings["per_group"]:
                    break
                while queue:
                    candidate = queue.pop(0)
                    try:
                        row = evaluate(candidate, index, settings)
                    except (HashMismatchError, OSError) as error:  # URLError, HTTPError, timeouts
                        failures.append(f"{candidate['name']}: {error}")
                        log(f"{candidate['name']}: FAILED: {error}")
                        # Counted as taken so the rest of the corpus is still fetched; no corpus is written.
                        taken += 1
                        break
                    evaluated.append(row)
                    log(f"{row['name']} [{domain}]: {row['verdict']} {row['reason']}".rstrip())
                    if row["verdict"] == "accepted":
                        accepted.append(row)
                        taken += 1
                        break
        if taken < settings["per_group"] and not failures:
            raise SelectionError(f"group {group}: only {taken} of per_group={settings['per_group']} candidates "
                                 f"pass the criteria; add candidates of domains {settings['domains'][group]}")
    if failures:
        raise SelectionError(f"{len(failures)} download(s) failed or were refused; nothing written (verified "
                             "wheels are kept in the cache, so a rerun fetches only what is missing):\n"
                             + "\n".join(failures))
    return accepted, evaluated


def write_outputs(accepted: list[dict], evaluated: list[dict], settings: dict, settings_path: str) -> None:
    """The corpus config, its lock file and the selection report."""
    corpus = {"name": settings["corpus"]["name"], "source": "pinned", "lock": settings["out_lock"],
              "max_lines_per_project": settings["corpus"]["max_lines_per_project"],
              "max_file_bytes": settings["corpus"]["max_file_bytes"],
              "min_kloc": settings["min_kloc"],
              "projects": [{"name": r["name"], "domain": r["domain"], "expected": r["expected"]} for r in accepted]}
    header = (f"# Generated by `python -m smells.select {settings_path}` from {settings['candidates']}: do not edit.\n"
              f"# {sum(r['expected'] == 'ML' for r in accepted)} ML + "
              f"{sum(r['expected'] == 'non-ML' for r in accepted)} non-ML projects; every candidate looked at "
              f"and why it was or was not taken: {settings['out_report']}.\n"
              f"#   snakemake --cores 1 --configfile {settings['out_config']} smells\n")
    document = {"smells": {"corpus": corpus, "fetch": settings["fetch"], "seed": settings["corpus"]["seed"]}}
    Path(settings["out_config"]).write_text(header + yaml.safe_dump(document, sort_keys=False, width=120))
    lock = {"comment": f"pure-Python wheels of {settings['out_config']}; written by smells.select",
            "projects": {r["name"]: {"version": r["version"], **r["wheel"]} for r in accepted}}
    Path(settings["out_lock"]).write_text(json.dumps(lock, indent=1) + "\n")
    report = pd.DataFrame(evaluated).drop(columns=["wheel"], errors="ignore")
    report.to_csv(settings["out_report"], index=False, float_format="%.3f")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m smells.select", description=__doc__.splitlines()[0])
    parser.add_argument("settings", help="YAML file with a smells_select block (e.g. config/smells-select.yaml)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.settings)
        candidates = load_candidates(settings["candidates"], settings["domains"])
    except (OSError, ValueError) as error:
        print(f"smells select: {error}", file=sys.stderr)
        return 2
    Path(settings["cache"]).mkdir(parents=True, exist_ok=True)
    try:
        accepted, evaluated = select(candidates, PyPIIndex(), settings)
    except SelectionError as error:
        print(f"smells select: {error}", file=sys.stderr)
        return 1
    write_outputs(accepted, evaluated, settings, args.settings)
    rejected = len(evaluated) - len(accepted)
    print(f"{len(accepted)} projects selected ({rejected} candidates rejected, reasons in "
          f"{settings['out_report']}); wrote {settings['out_config']} and {settings['out_lock']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
