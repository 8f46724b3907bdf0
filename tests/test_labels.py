import re

import pytest

from givingday import config, labels


def test_every_channel_code_has_one_label():
    assert tuple(labels.CHANNEL_NAMES) == config.CHANNELS


def test_the_page_table_names_real_files_and_roles():
    for page in (*labels.PAGES, labels.SIGN_IN):
        assert (config.ROOT / page.file).is_file(), page
        assert page.roles is labels.EVERYONE or set(page.roles) <= set(labels.ROLES), page
    assert [p.path for p in labels.PAGES].count("") == 1  # one default page
    for role in labels.ROLES:
        assert labels.HOME_PAGE[role] in labels.pages_for(role)
    assert labels.pages_for(None) == ()
    assert labels.pages_for("leader") == ("console", "summary")


def test_every_protected_page_checks_its_own_path():
    for page in labels.PAGES:
        text = (config.ROOT / page.file).read_text(encoding="utf-8")
        checked = set(re.findall(r'(?:allow_only|page_top)\("([^"]*)"', text))
        assert checked == ({page.path} if page.path in labels.PROTECTED_PAGES else set()), page


def test_an_unknown_page_is_a_mistake():
    with pytest.raises(KeyError):
        labels.page("nowhere")
