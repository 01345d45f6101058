"""Issue 7, 4.6: the settings file is the administrator's. Comments,
blank lines, the order of sections and keys, inline comments and values
spelled their own way in /etc/vmail/vmail.conf survive "vmailctl setup"
byte for byte: a flag changes only its own value, in place; a key the
file lacks is added to the end of its section. The file is put back as
it was afterwards."""

import difflib
import re

VMAIL_CONF = "/etc/vmail/vmail.conf"


def settings(text):
    """{section: [(key, value)]} of a vmail.conf, in file order."""
    out, section = {}, None
    for line in text.splitlines():
        m = re.match(r"^\[(\w+)\]$", line)
        if m:
            section = m.group(1)
            out.setdefault(section, [])
            continue
        m = re.match(r"^(\w+) = (.*)$", line)
        if m and section:
            out[section].append((m.group(1), m.group(2)))
    return out


def admins_version(text, drop=None):
    """The same settings as an administrator might have written them:
    sections and keys in reverse order, their own comments, an inline
    comment, a size in another unit; drop: a key left out."""
    lines = ["# Our mail server. Ask Kim before changing anything!", "",
             "; (semicolons start comments too)"]
    for section, pairs in reversed(list(settings(text).items())):
        lines += ["", f"[{section}]", f"# --- {section} ---"]
        for key, value in reversed(pairs):
            if key == drop:
                continue
            if key == "message_size_limit" and value.endswith("M"):
                value = f"{int(value[:-1]) * 1024}K"
            if key == "default_quota":
                lines.append(f"{key} = {value}      ; agreed with the customers")
            else:
                lines.append(f"{key} = {value}")
        lines.append("")
    return "\n".join(lines) + "\n# end of file\n"


def assert_only_added(guest, before, after, section, key):
    """after is before plus the lines of one key (its comment, a blank
    line) inside section."""
    a, b = before.splitlines(), after.splitlines()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    inserts = [op for op in ops if op[0] != "equal"]
    assert len(inserts) == 1 and inserts[0][0] == "insert", \
        f"[{guest.name}] not just an insertion:\n{after}"
    _, at, _, j1, j2 = inserts[0]
    added = b[j1:j2]
    assert sum(l.startswith(f"{key} = ") for l in added) == 1 and \
        all(l == "" or l.startswith("#") or l.startswith(f"{key} = ") for l in added), \
        f"[{guest.name}] added lines: {added}"
    headers = [i for i, l in enumerate(a) if l.startswith("[")]
    start = a.index(f"[{section}]")
    end = min([i for i in headers if i > start], default=len(a))
    assert start < at <= end, f"[{guest.name}] {key} added outside [{section}]:\n{after}"


def test_778_setup_changes_only_what_it_must(guest):
    original = guest.run(["cat", VMAIL_CONF]).stdout.decode()
    quota = dict(settings(original)["limits"])["default_quota"]
    new_quota = "3G" if quota != "3G" else "4G"
    mine = admins_version(original)
    assert f"default_quota = {quota}      ;" in mine
    try:
        guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=mine)
        guest.vmailctl("setup")
        after = guest.run(["cat", VMAIL_CONF]).stdout.decode()
        assert after == mine, f"[{guest.name}] setup with nothing to change rewrote " \
                              f"the file:\n{after}"

        guest.vmailctl("setup", "--default-quota", new_quota)
        after = guest.run(["cat", VMAIL_CONF]).stdout.decode()
        want = mine.replace(f"default_quota = {quota}      ;",
                            f"default_quota = {new_quota}      ;")
        assert after == want, f"[{guest.name}] setup --default-quota changed more " \
                              f"than the value:\n{after}"

        # A key the file lacks is added at the end of its own section.
        lacking = admins_version(original, drop="greylist_delay")
        guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=lacking)
        guest.vmailctl("setup")
        after = guest.run(["cat", VMAIL_CONF]).stdout.decode()
        assert_only_added(guest, lacking, after, "spam", "greylist_delay")
    finally:
        guest.run(["sh", "-c", f"cat > {VMAIL_CONF}"], input=original)
        guest.vmailctl("setup")
    assert guest.run(["cat", VMAIL_CONF]).stdout.decode() == original
