"""The setting that finds the external test material: where it looks, and what a missing file does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import testdata


@pytest.fixture
def material(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "twilio").mkdir()
    (tmp_path / "twilio" / "vectors.json").write_text(json.dumps({"vectors": [{"name": "a"}, {"name": "b"}]}))
    monkeypatch.setenv("SLOTBOT_TESTDATA", str(tmp_path))
    monkeypatch.delenv("SLOTBOT_REQUIRE_TESTDATA", raising=False)
    return tmp_path


def test_by_default_it_is_shared_testdata_beside_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLOTBOT_TESTDATA", raising=False)
    # Resolved, as folder() resolves it: the folder beside the clone may be a link to the real one.
    assert testdata.folder() == (testdata.PROJECT_ROOT.parent / "shared" / "testdata").resolve()


def test_a_relative_setting_is_taken_from_the_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLOTBOT_TESTDATA", "../elsewhere/data")
    assert testdata.folder() == testdata.PROJECT_ROOT.parent / "elsewhere" / "data"


def test_files_are_found_in_the_folder_of_the_setting(material: Path) -> None:
    assert testdata.path("twilio/vectors.json") == material / "twilio" / "vectors.json"
    assert testdata.read_json("twilio/vectors.json")["vectors"][1] == {"name": "b"}
    assert testdata.cases("twilio/vectors.json", lambda data: [v["name"] for v in data["vectors"]]) == [
        "a",
        "b",
    ]


def test_a_missing_file_skips_with_the_reason(material: Path) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        testdata.path("telegram/bot-api-10.1.json")
    where = material / "telegram" / "bot-api-10.1.json"
    assert str(skipped.value) == f"external test data not found at {where}; set SLOTBOT_TESTDATA"


def test_a_missing_file_fails_when_the_material_is_required(
    material: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOTBOT_REQUIRE_TESTDATA", "1")
    with pytest.raises(pytest.fail.Exception, match=r"external test data not found at .*bot-api-10\.1\.json"):
        testdata.read_json("telegram/bot-api-10.1.json")


def test_cases_from_a_missing_file_are_one_case_marked_to_skip(material: Path) -> None:
    [case] = testdata.cases("telegram/bot-api-10.1.json", lambda data: data["methods"])
    assert case.id == "testdata-missing"
    assert [(mark.name, mark.args) for mark in case.marks] == [("testdata", ("telegram/bot-api-10.1.json",))]
