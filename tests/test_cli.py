import json

from conftest import SAMPLES, sample


def test_unreadable_file_exits_2_with_one_line(cli, tmp_path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("interactions:\n  - request: [unclosed\n")
    run = cli("show", str(bad))
    assert run.code == 2, run
    assert run.err.strip().startswith(f"{bad}:")
    assert "Traceback" not in run.err and len(run.err.strip().splitlines()) == 1


def test_not_a_cassette_is_explained(cli, tmp_path) -> None:
    other = tmp_path / "config.yaml"
    other.write_text("name: demo\nversion: 3\n")
    run = cli("show", str(other))
    assert run.code == 2, run
    assert "not a cassette" in run.err


def test_json_lists_unreadable_files_in_input_order(cli, tmp_path) -> None:
    bad = tmp_path / "empty.yaml"
    bad.write_text("")
    run = cli("show", "-f", "json", str(bad), sample("go-vcr/openrouter_tool_streaming.yaml"))
    assert run.code == 2, run
    data = json.loads(run.out)
    assert [d["error"] is None for d in data] == [False, True]
    assert data[0]["error"]["message"].startswith("not a cassette")


def test_interaction_option_limits_output(cli) -> None:
    run = cli("show", "-i", "1", sample("go-vcr/openrouter_tool_streaming.yaml"))
    assert run.code == 0, run
    assert "#1 POST" in run.out and "#0 POST" not in run.out


def test_missing_path_is_a_usage_error(cli) -> None:
    run = cli("show", "/no/such/cassette.yaml")
    assert run.code == 2, run
    assert "no such file" in run.err


def test_a_command_imports_neither_pydantic_nor_the_renderers_it_does_not_use() -> None:
    # What a pre-commit hook pays on every commit is mostly imports (python -X importtime).
    import subprocess
    import sys

    probe = ("import sys; sys.argv = ['cassette', 'validate', sys.argv[1]]\n"
             "from cassette_tool.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('pydantic', 'cassette_tool', 'genai_prices', 'rich'))))")
    run = subprocess.run([sys.executable, "-c", probe, str(SAMPLES / "go-vcr" / "v1_openai_chat.yaml")],
                         capture_output=True, text=True, check=True)
    loaded = set(run.stdout.split())
    assert "pydantic" not in loaded
    assert "genai_prices" not in loaded  # validate prices nothing
    assert not {m for m in loaded if m.startswith("cassette_tool.render.") and m != "cassette_tool.render.findings"}
