"""The shipped CI examples and the pre-commit hook: they parse, run the documented
commands, find the comment by the marker render_plan writes, and point at the console
script. The pull-request workflow's plan step is run for real on a scratch repository."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.cli import EXIT_INVALID, EXIT_OK, main
from compiler.render_plan import MARKDOWN_MARKER
from compiler.secrets import environment_name

REPO = Path(__file__).resolve().parents[1]
PULL_REQUEST = REPO / "examples" / "github-actions.yml"
PUBLISH = REPO / "examples" / "github-actions-publish.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
PINNED = re.compile(r"actions/(checkout|setup-python|github-script)@v[0-9]+")


def workflow(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # YAML 1.1 reads the key `on` as the boolean true; GitHub reads it as "on".
    data["on"] = data.pop(True)
    return data


def steps(data: dict[str, Any], job: str) -> list[dict[str, Any]]:
    result = data["jobs"][job]["steps"]
    assert isinstance(result, list)
    return result


def runs(data: dict[str, Any], job: str) -> list[str]:
    return [step["run"] for step in steps(data, job) if "run" in step]


# -- the pull-request workflow ---------------------------------------------------------------


def test_pull_request_workflow_runs_validate_check_and_plan() -> None:
    data = workflow(PULL_REQUEST)
    assert data["on"] == {"pull_request": None}
    assert data["permissions"] == {"contents": "read", "pull-requests": "write"}
    commands = runs(data, "plan")
    assert commands[:3] == ["pip install .", "dectprov validate",
                            'dectprov check --base-ref "$BASE_REF"']
    assert ('dectprov plan --base-ref "$BASE_REF" --format markdown > plan.md || status=$?'
            in commands[3].splitlines())
    assert data["jobs"]["plan"]["env"] == {"BASE_REF": "origin/${{ github.base_ref }}"}
    assert steps(data, "plan")[0]["with"] == {"fetch-depth": 0}


def test_pull_request_workflow_needs_no_secrets() -> None:
    assert "secrets." not in PULL_REQUEST.read_text(encoding="utf-8")


def test_pull_request_workflow_finds_its_comment_by_the_marker_render_plan_writes() -> None:
    script = [step for step in steps(workflow(PULL_REQUEST), "plan")
              if step.get("uses") == "actions/github-script@v8"]
    assert len(script) == 1
    text = script[0]["with"]["script"]
    assert f"const marker = '{MARKDOWN_MARKER}';" in text
    for call in ("github.rest.issues.listComments", "github.rest.issues.updateComment",
                 "github.rest.issues.createComment"):
        assert call in text


def test_actions_are_pinned_by_major_tag() -> None:
    for path in (PULL_REQUEST, PUBLISH):
        for data_steps in workflow(path)["jobs"].values():
            for step in data_steps["steps"]:
                if "uses" in step:
                    assert PINNED.fullmatch(step["uses"]), (path.name, step["uses"])


@pytest.mark.parametrize("path", [PULL_REQUEST, PUBLISH], ids=lambda p: p.name)
def test_every_run_step_is_valid_bash(path: Path) -> None:
    for job in workflow(path)["jobs"]:
        for command in runs(workflow(path), job):
            result = subprocess.run(["bash", "-n", "-c", command], capture_output=True,
                                    text=True, check=False)
            assert result.returncode == 0, (command, result.stderr)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t",
                    *args], check=True, capture_output=True)


def test_the_plan_step_plans_against_the_base_branch(tmp_path: Path) -> None:
    """A pull request commits its build/, so a plan against its own build/ is empty. The
    step compares the base branch's build/ (here HEAD^1) with the pull request's."""
    repo, runner = tmp_path / "repo", tmp_path / "runner"
    (repo / "sites").mkdir(parents=True)
    runner.mkdir()
    shutil.copy(REPO / "sites" / "vendor-example.yaml", repo / "sites")
    assert main(["build", "--root", str(repo), "--now", "2026-11-26 12:00"]) == EXIT_OK
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    site = repo / "sites" / "vendor-example.yaml"
    site.write_text(site.read_text(encoding="utf-8").rstrip("\n")
                    + '\n  - login: "1099"\n    password: Other\n', encoding="utf-8")
    assert main(["build", "--root", str(repo), "--now", "2026-11-26 12:00"]) == EXIT_OK
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "pull request")
    step = [s for s in steps(workflow(PULL_REQUEST), "plan") if s.get("id") == "plan"][0]
    environment = {**os.environ, "RUNNER_TEMP": str(runner), "BASE_REF": "HEAD^1",
                   "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
                   "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                             step["run"]], cwd=repo, env=environment, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    plan = (repo / "plan.md").read_text(encoding="utf-8")
    base = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD^1"], check=True,
                          capture_output=True, text=True).stdout[:12]
    assert plan == (
        f"{MARKDOWN_MARKER}\n## dectprov plan\n\nFrom the files at HEAD^1 ({base}) to this "
        "tree's build/: what each device does.\n\nPlan: 1 to register.\n\n"
        "### vendor-example (revision 1 -&gt; 2)\n\n"
        "| where | change | what happens |\n|---|---|---|\n"
        "| slot 3 | add | login 1099: new account without IPUI; its handset registers with "
        "the PIN |\n")
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == plan
    assert result.stdout.endswith("\nPlan: 1 to register.\n")  # the text plan, for the log


# -- the publish workflow --------------------------------------------------------------------


def test_publish_workflow_checks_then_publishes_on_main() -> None:
    data = workflow(PUBLISH)
    assert data["on"] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert data["permissions"] == {"contents": "read"}
    commands = runs(data, "publish")
    assert commands[:3] == ["pip install .", "dectprov check",
                            'dectprov publish --to "$RUNNER_TEMP/provisioning"']


def test_publish_workflow_exposes_secrets_under_dectprovs_names() -> None:
    publish = [step for step in steps(workflow(PUBLISH), "publish")
               if step.get("run", "").startswith("dectprov publish")]
    assert len(publish) == 1
    names = [environment_name("care-home/2101"), environment_name("care-home/2102")]
    assert names == ["DECTPROV_SECRET_CARE_HOME_2101", "DECTPROV_SECRET_CARE_HOME_2102"]
    assert publish[0]["env"] == {name: f"${{{{ secrets.{name} }}}}" for name in names}


def test_publish_workflow_secrets_are_references_of_the_example_site() -> None:
    site = yaml.safe_load((REPO / "sites" / "care-home.yaml").read_text(encoding="utf-8"))
    passwords = [handset["password"] for handset in site["handsets"][:2]]
    assert passwords == [{"secret": "care-home/2101"}, {"secret": "care-home/2102"}]


def test_publish_workflow_marks_the_copy_step_as_a_placeholder() -> None:
    text = PUBLISH.read_text(encoding="utf-8")
    assert "# PLACEHOLDER: adapt this step to your provisioning server." in text
    copy = [step for step in steps(workflow(PUBLISH), "publish")
            if step.get("name") == "Copy to the provisioning server"]
    assert len(copy) == 1
    assert "rsync" in copy[0]["run"]


# -- the pre-commit hook ---------------------------------------------------------------------


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert hooks == [{
        "id": "dectprov-validate",
        "name": "dectprov validate",
        "description": "Validate Gigaset DECT site files with dectprov.",
        "entry": "dectprov validate",
        "language": "python",
        "files": "^sites/.*\\.yaml$",
        "pass_filenames": True,
    }]
    pattern = re.compile(hooks[0]["files"])
    assert pattern.search("sites/care-home.yaml")
    assert not pattern.search("build/care-home/state.json")
    assert not pattern.search("other/sites/care-home.yaml")


def test_pre_commit_hook_entry_is_the_console_script() -> None:
    hook = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))[0]
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    program, *arguments = shlex.split(hook["entry"])
    assert program == "dectprov"
    assert project["project"]["scripts"] == {"dectprov": "compiler.cli:main"}
    assert arguments == ["validate"]


def test_pre_commit_hook_runs_on_the_files_it_is_given(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str],
                                                       ) -> None:
    """pre-commit runs the entry from the repository root with the staged file names."""
    (tmp_path / "sites").mkdir()
    shutil.copy(REPO / "sites" / "vendor-example.yaml", tmp_path / "sites")
    (tmp_path / "sites" / "broken.yaml").write_text("site: broken\nmodel: N720\n",
                                                     encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    arguments = shlex.split(yaml.safe_load(HOOKS.read_text(encoding="utf-8"))[0]["entry"])[1:]
    assert main([*arguments, "sites/vendor-example.yaml"]) == EXIT_OK
    assert capsys.readouterr().out == "1 site valid.\n"
    assert main([*arguments, "sites/broken.yaml"]) == EXIT_INVALID
    assert "sites/broken.yaml:1:1: error: " in capsys.readouterr().err
