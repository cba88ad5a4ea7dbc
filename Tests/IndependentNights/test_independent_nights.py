"""pytest: two short nights of each set are generated, deterministic, and pass check.py."""
import hashlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args):
    return subprocess.run([sys.executable, *args], cwd=HERE, capture_output=True, text=True)


def digest(folder):
    h = hashlib.sha256()
    for root, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as f:
                h.update(name.encode() + f.read())
    return h.hexdigest()


def test_generated_nights_pass_the_check_and_repeat(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        g = run("generate.py", str(out), "--nights", "2", "--hours", "0.5", "--seed", "5")
        assert g.returncode == 0, g.stderr
    c = run("check.py", str(a))
    assert c.returncode == 0, c.stdout + c.stderr
    assert "4 nights" in c.stdout and " 0 failed" in c.stdout
    assert digest(a) == digest(b)


def test_check_fails_on_a_wrong_truth(tmp_path):
    g = run("generate.py", str(tmp_path), "--nights", "1", "--hours", "0.5", "--sets", "sleep-lab")
    assert g.returncode == 0, g.stderr
    path = tmp_path / "sleep-lab" / "night-00" / "truth.json"
    path.write_text(path.read_text().replace('"clm": ', '"clm": 1'))
    c = run("check.py", str(tmp_path))
    assert c.returncode == 1 and "FAIL" in c.stdout
