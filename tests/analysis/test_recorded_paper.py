"""A recorded set's copy in the paper (workflow/rules/recorded.smk): its macros, table labels and captions are
its own, and every number its hand-written section quotes is a macro its copy defines."""

import re
from pathlib import Path

import pytest

from deba.analysis import layout, macros, pipeline, pricing
from deba.analysis.paper import recorded_sections_tex
from deba.analysis.render import recorded_prefixes, render_all
from deba.profiles import profile_path, stored_profiles
from deba.recorded import MANIFEST

REPO = Path(__file__).resolve().parents[2]
SECTIONS = sorted((REPO / "paper" / "recorded").glob("*.tex"))


def test_the_prefixes_follow_from_the_name():
    assert macros.recorded_prefix("cifar-cpu") == "DebaCifarCpu"
    prefixes = recorded_prefixes("cifar-cpu")
    assert prefixes["label_prefix"] == "cifar-cpu-"
    assert "\\ref{sec:cifar-cpu}" in prefixes["caption_prefix"]


def test_a_recorded_copy_has_its_own_macros_labels_and_captions(analysed, tmp_path):
    _, aggregate_out, stats_out, _ = analysed
    main = render_all(aggregate_out, stats_out, tmp_path / "main", n_resamples=200)
    copy = render_all(aggregate_out, stats_out, tmp_path / "copy", n_resamples=200, **recorded_prefixes("set-a"))
    main_macros = re.findall(r"\\newcommand\{\\(\w+)\}", (tmp_path / "main" / "macros.tex").read_text())
    copy_macros = re.findall(r"\\newcommand\{\\(\w+)\}", (tmp_path / "copy" / "macros.tex").read_text())
    assert len(copy_macros) == len(main_macros) > 50
    assert all(name.startswith("DebaSetA") for name in copy_macros)
    assert not set(copy_macros) & set(main_macros)
    # the same numbers under the new names
    assert {name.removeprefix("DebaSetA") for name in copy_macros} == {name.removeprefix("Deba") for name in main_macros}
    for path in (p for p in copy if p.suffix == ".tex" and p.parent.name == "tables"):
        text = path.read_text()
        assert re.search(r"\\label\{tab:set-a-\w+\}", text), path.name
        assert "\\caption{Recorded run set-a (Section~\\ref{sec:set-a}): " in text, path.name
    assert len(copy) == len(main)


def test_the_sections_file_inputs_each_set_in_order():
    text = recorded_sections_tex(["b-set", "a-set"])
    inputs = re.findall(r"\\input\{([^}]+)\}", text)
    assert inputs == ["generated/recorded/b-set/macros", "recorded/b-set", "generated/recorded/a-set/macros",
                      "recorded/a-set"]
    assert re.findall(r"\\input", recorded_sections_tex([])) == []
    # the paths are those the workflow writes, relative to paper/ where main.tex is
    assert f"paper/{inputs[0]}" == f"{layout.recorded_generated_dir('b-set')}/macros"
    assert f"paper/{inputs[1]}.tex" == layout.recorded_section_path("b-set")


@pytest.mark.parametrize("section", SECTIONS, ids=lambda path: path.stem)
def test_every_macro_a_recorded_section_quotes_is_defined_by_its_set(section, tmp_path):
    """As the workflow's copy makes its macros: statistics recomputed by the current analysis code from the
    set's recorded aggregate tables (rule recorded_statistics), its runs priced on the stored profiles (rule
    recorded_pricing), then its macros (a misspelt name would otherwise surface only in a LaTeX build)."""
    name = section.stem
    recorded = REPO / layout.RECORDED_DIR / name
    assert (recorded / MANIFEST).is_file(), f"{section} has no recorded set {recorded}"
    prefix = macros.recorded_prefix(name)
    stats = {table: str(tmp_path / f"{table}.csv") for table in layout.STATS_FILES}
    pipeline.statistics(*(recorded / layout.source_path(t) for t in ("runs", "epochs", "throughput")), stats,
                        n_resamples=200)
    stats.update({table: str(tmp_path / f"{table}.csv") for table in layout.PRICING_FILES})
    pricing.write_pricing(recorded / layout.source_path("runs"), recorded / layout.source_path("epochs"),
                          [profile_path(name, REPO) for name in stored_profiles(REPO)], stats, n_resamples=200)
    paths = {table: recorded / layout.source_path(table) if table in layout.AGGREGATE_FILES else stats[table]
             for table in layout.MACRO_INPUTS}
    defined = {prefix + key.removeprefix(macros.PREFIX) for key in macros.build_macros(paths, n_resamples=200)}
    text = section.read_text()
    used = set(re.findall(rf"\\({prefix}[A-Za-z]+)", text))
    assert used and not used - defined, f"undefined in {section.name}: {sorted(used - defined)}"
    assert f"\\label{{sec:{name}}}" in text  # the tables' captions refer to it
    for kind in ("tables", "figures"):
        for reference in re.findall(rf"generated/recorded/{name}/{kind}/(\w+)", text):
            assert reference in (layout.TABLE_INPUTS if kind == "tables" else layout.FIGURE_INPUTS), reference
