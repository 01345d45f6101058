"""Commands shown in the documentation work: every read-only command that
docs/*.md and README.md show at a root prompt ("# COMMAND" in a code
block), with no
placeholder in it (ADDRESS, DOMAIN, ...) and naming only what the guest
has, is run in the main guests and must exit 0. (Commands that change
things are run by the tests of their behaviour.)"""

import glob
import os
import re

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

# program -> what makes one of its command lines read-only (a regex on
# the rest of the line), or None for "any"
READ_ONLY = {
    "systemctl": r"^(is-active|is-enabled|status|show|cat|list-units|--failed)\b",
    "journalctl": None,
    "postqueue": r"^-p\b",
    "postconf": r"^(-n|-h|-d)?\s*[a-z_]*\s*$",
    "doveconf": r"^-n\b",
    "df": None,
    "vmailctl": r"^(--help|--version|setup$|(domain|user|alias|dkim) (list|show)\b|dns\b|cert status\b)",
}
# names the documentation uses that the guests do not have
ELSEWHERE = ("example.org", "example.net", "mail.example.org")


def _commands():
    out = []
    for path in sorted(glob.glob(os.path.join(TOP, "docs", "*.md"))) + \
            [os.path.join(TOP, "README.md")]:
        fenced = False
        for n, line in enumerate(open(path), 1):
            if line.startswith("```"):
                fenced = not fenced
                continue
            # a root prompt in an indented block, or in a fenced one
            m = re.match(r"^\s{4,}# (\S+)(.*)$" if not fenced else r"^\s*# (\S+)(.*)$",
                         line.rstrip())
            if not m:
                continue
            prog, rest = m.group(1), m.group(2).strip()
            if prog not in READ_ONLY or "|" in rest and "grep" not in rest:
                continue
            pattern = READ_ONLY[prog]
            if pattern and not re.search(pattern, rest.split("|")[0].strip()):
                continue
            if re.search(r"\b[A-Z]{3,}\b", rest) or any(e in rest for e in ELSEWHERE) or \
                    "tail -f" in rest or "-f" == rest:
                continue
            out.append((f"{os.path.relpath(path, TOP)}:{n}", f"{prog} {rest}".strip()))
    return out


COMMANDS = _commands()


def test_795_docs_show_commands(guest):
    assert len(COMMANDS) >= 10, f"too few commands found in the docs: {COMMANDS}"


@pytest.mark.parametrize("where,command", COMMANDS, ids=[w for w, _ in COMMANDS])
def test_795_docs_command_runs(guest, where, command):
    if "postfix@-" in command and guest.unit("postfix") != "postfix@-":
        pytest.skip("the postfix@- unit is Debian 12's")
    # the mailboxes the examples name (alice@example.com) exist for them
    for address in re.findall(r"[\w.+-]+@example\.com\b", command):
        if guest.vmailctl("user", "show", address, check=False).returncode != 0:
            guest.add_user(address=address)
    p = guest.run(["sh", "-c", command + " >/dev/null"], check=False, timeout=300)
    assert p.returncode == 0, \
        f"[{guest.suite}] {where}: '{command}' exited {p.returncode}: {p.stderr.decode()[-1500:]}"
