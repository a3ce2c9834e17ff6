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
PUBLISH_SOPS = REPO / "examples" / "github-actions-publish-sops.yml"
WORKFLOWS = (PULL_REQUEST, PUBLISH, PUBLISH_SOPS)
HOOKS = REPO / ".pre-commit-hooks.yaml"
# Each action at a commit, with the tag it was released as. Where each pair is published
# (a tag can be moved, a commit cannot): Dependabot's compare links, which GitHub resolves
# from the tags, in RedisLabs/terraform-provider-rediscloud#847 (checkout 6.0.2 -> 6.0.3),
# cisco-en-programmability/catalystwan-sdk#209 and ms609/citation-bot#6023 (setup-python
# 6.3.0), and for github-script 8.0.0 the release's commit as pinned with its tag in
# many public workflows; for cache 6.1.0, the release's commit as pinned with its tag in
# many public workflows (beside checkout 6.0.3's).
PINS = {
    "actions/cache": ("55cc8345863c7cc4c66a329aec7e433d2d1c52a9", "v6.1.0"),
    "actions/checkout": ("df4cb1c069e1874edd31b4311f1884172cec0e10", "v6.0.3"),
    "actions/setup-python": ("ece7cb06caefa5fff74198d8649806c4678c61a1", "v6.3.0"),
    "actions/github-script": ("ed597411d8f924073f98dfc5c65a23a2325f34cd", "v8.0.0"),
}


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
              if step.get("uses", "").startswith("actions/github-script@")]
    assert len(script) == 1
    text = script[0]["with"]["script"]
    assert f"const marker = '{MARKDOWN_MARKER}';" in text
    for call in ("github.rest.issues.listComments", "github.rest.issues.updateComment",
                 "github.rest.issues.createComment"):
        assert call in text


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_with_the_tag_beside_it(path: Path) -> None:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
             if re.match(r"\s*(- )?uses:", line)]
    assert lines
    for line in lines:
        found = re.fullmatch(r"(?:- )?uses: ([\w-]+/[\w-]+)@([0-9a-f]{40})  # (v[0-9.]+)", line)
        assert found, line
        assert PINS[found[1]] == (found[2], found[3]), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_has_a_timeout_and_caches_pip(path: Path) -> None:
    for job in workflow(path)["jobs"].values():
        assert 0 < job["timeout-minutes"] <= 30
        python = [step for step in job["steps"]
                  if step.get("uses", "").startswith("actions/setup-python@")]
        assert [step["with"] for step in python] == [{
            "python-version": "3.11", "cache": "pip", "cache-dependency-path": "pyproject.toml"}]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_restores_dectprovs_cache_before_it_runs_dectprov(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One key for every workflow, so that a pull request restores what main saved: the
    prefix matches any commit's, the newest first."""
    from compiler import cache

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    home = cache._home()
    for job in workflow(path)["jobs"].values():
        names = [step.get("uses", "").split("@")[0] or step["run"].split()[0]
                 for step in job["steps"]]
        assert names.index("actions/cache") < names.index("dectprov")
        step = job["steps"][names.index("actions/cache")]
        assert step["with"] == {"path": "~/.cache/dectprov",
                                "key": "dectprov-${{ runner.os }}-${{ github.sha }}",
                                "restore-keys": "dectprov-${{ runner.os }}-"}
        assert Path(os.path.expanduser(step["with"]["path"])) == home


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
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
    shutil.copy(REPO / "fleet.yaml", repo)
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


# -- the publish workflows ------------------------------------------------------------------


@pytest.mark.parametrize("path", [PUBLISH, PUBLISH_SOPS], ids=lambda p: p.name)
def test_publish_workflow_checks_then_publishes_on_main_in_a_protected_environment(
        path: Path) -> None:
    data = workflow(path)
    assert data["on"] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert data["permissions"] == {"contents": "read"}
    assert data["jobs"]["publish"]["environment"] == "provisioning"
    assert "Settings > Environments > New environment \"provisioning\": add required " \
        "reviewers" in path.read_text(encoding="utf-8")
    commands = [command for command in runs(data, "publish")
                if command.startswith(("pip install", "dectprov"))]
    assert commands[:2] == ["pip install .", "dectprov check"]
    assert commands[2].startswith('dectprov publish --to "$RUNNER_TEMP/provisioning" '
                                  "--secrets-command ")


def _publish_step(path: Path) -> dict[str, Any]:
    found = [step for step in steps(workflow(path), "publish")
             if step.get("run", "").startswith("dectprov publish")]
    assert len(found) == 1
    return found[0]


def test_publish_workflow_reads_every_secret_from_one_ci_secret() -> None:
    step = _publish_step(PUBLISH)
    assert step["env"] == {"DECTPROV_SECRETS_YAML": "${{ secrets.DECTPROV_SECRETS_YAML }}"}
    assert shlex.split(step["run"])[-1] == "printenv DECTPROV_SECRETS_YAML"
    # Not itself read as a secret's environment variable.
    assert not "DECTPROV_SECRETS_YAML".startswith(environment_name(""))


def test_sops_workflow_decrypts_the_file_with_the_age_key() -> None:
    step = _publish_step(PUBLISH_SOPS)
    assert step["env"] == {"SOPS_AGE_KEY": "${{ secrets.SOPS_AGE_KEY }}"}
    assert shlex.split(step["run"])[-1] == "sops --decrypt secrets.enc.yaml"
    install = [s for s in steps(workflow(PUBLISH_SOPS), "publish")
               if s.get("name") == "Install sops"]
    assert len(install) == 1
    assert 'sha256sum -c -' in install[0]["run"]
    assert re.fullmatch(r"[0-9a-f]{64}", install[0]["env"]["SOPS_SHA256"])


def _run_publish_step(tmp_path: Path, path: Path, environment: dict[str, str],
                      ) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The workflow's publish step, run by bash in a built copy of the example sites."""
    repo, runner = tmp_path / "repo", tmp_path / "runner"
    shutil.copytree(REPO / "sites", repo / "sites")
    shutil.copy(REPO / "fleet.yaml", repo)
    runner.mkdir()
    assert main(["build", "--root", str(repo), "--now", "2026-11-26 12:00"]) == EXIT_OK
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DECTPROV_SECRET")}
    environment = {**clean, **environment, "RUNNER_TEMP": str(runner),
                   "PATH": f"{tmp_path / 'bin'}{os.pathsep}{Path(sys.executable).parent}"
                           f"{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                             _publish_step(path)["run"]], cwd=repo, env=environment,
                            capture_output=True, text=True, check=False)
    return result, runner / "provisioning"


def _all_secrets() -> str:
    names = [f"care-home/{n}" for n in (2101, 2102, 2103, 2104, 2105, 2106, 2107, 2108, 2109,
                                        2110, 2111, 2112, 2190, 2191)]
    names += [f"clinic-north/{n}" for n in (4101, 4102, 4110, 4111, 4120, 4190)]
    names += ["care-home/admin", "clinic-north/admin"]
    return "".join(f'{name}: "Qz{name.replace("/", "Xq")}Wk9"\n' for name in names)


def test_the_one_secret_publish_step_runs(tmp_path: Path) -> None:
    secrets = _all_secrets()
    result, published = _run_publish_step(tmp_path, PUBLISH,
                                          {"DECTPROV_SECRETS_YAML": secrets})
    assert result.returncode == 0, result.stderr
    assert "Qzcare-homeXq2101Wk9" not in result.stdout + result.stderr
    assert b'"Qzcare-homeXq2101Wk9"' in (published / "7C2F80123456.xml").read_bytes()


def test_the_sops_publish_step_runs(tmp_path: Path) -> None:
    """With a stand-in for sops that prints a plain file: the step's command line."""
    (tmp_path / "bin").mkdir()
    plain = tmp_path / "plain.yaml"
    plain.write_text(_all_secrets(), encoding="utf-8")
    fake = tmp_path / "bin" / "sops"
    fake.write_text(f'#!/bin/sh\n[ "$1 $2 $SOPS_AGE_KEY" = "--decrypt secrets.enc.yaml '
                    f'AGE-SECRET-KEY-1TEST" ] || exit 9\ncat {shlex.quote(str(plain))}\n',
                    encoding="utf-8")
    fake.chmod(0o755)
    result, published = _run_publish_step(tmp_path, PUBLISH_SOPS,
                                          {"SOPS_AGE_KEY": "AGE-SECRET-KEY-1TEST"})
    assert result.returncode == 0, result.stderr
    assert b"Qzclinic-northXq4101Wk9" in (published / "7c2f809a0b11.xml").read_bytes()


def test_publish_workflow_secrets_are_references_of_the_example_site() -> None:
    site = yaml.safe_load((REPO / "sites" / "care-home.yaml").read_text(encoding="utf-8"))
    passwords = [handset["password"] for handset in site["handsets"][:2]]
    assert passwords == [{"secret": "care-home/2101"}, {"secret": "care-home/2102"}]


@pytest.mark.parametrize("path", [PUBLISH, PUBLISH_SOPS], ids=lambda p: p.name)
def test_publish_workflow_marks_the_copy_step_as_a_placeholder(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "# PLACEHOLDER: adapt this step to your provisioning server." in text
    copy = [step for step in steps(workflow(path), "publish")
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
    shutil.copy(REPO / "fleet.yaml", tmp_path)
    (tmp_path / "sites" / "broken.yaml").write_text("site: broken\nmodel: N720\n",
                                                     encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    arguments = shlex.split(yaml.safe_load(HOOKS.read_text(encoding="utf-8"))[0]["entry"])[1:]
    assert main([*arguments, "sites/vendor-example.yaml"]) == EXIT_OK
    assert capsys.readouterr().out == "1 site valid.\n"
    assert main([*arguments, "sites/broken.yaml"]) == EXIT_INVALID
    assert "sites/broken.yaml:1:1: error: " in capsys.readouterr().err
