"""The console's pages through Streamlit's AppTest: sign-in, who sees which page, filters, and the forms."""

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from givingday import accounts
from givingday.accounts import User
from givingday.ingest.batch import import_bytes
from givingday.money import format_yuan
from givingday.web.widgets import as_text
from tests.conftest import CANONICAL_HEADER

PASSWORD = "a long enough password"
GIFTS = CANONICAL_HEADER + (
    "C1,2020-09-07 10:00:00,100,10,P001,T001,,qr,张三\nC2,2020-09-07 10:01:00,50,0,P002,,S001,qr,李四\n"
)


@pytest.fixture
def console_store(page_store, monkeypatch):
    monkeypatch.setattr(accounts, "THROTTLE", accounts.Throttle())
    accounts.add_user("ana", "organizer", PASSWORD, page_store.location)
    accounts.add_user("lee", "leader", PASSWORD, page_store.location)
    import_bytes(page_store, GIFTS.encode(), "c.csv")
    return page_store


def signed(name: str, store) -> User:
    """A user as a real sign-in makes it (with the stamp of the account's password)."""
    return accounts.sign_in(name, PASSWORD, location=store.location, throttle=accounts.Throttle())


def field(at: AppTest, name: str) -> str:
    """The key of a field of /act's forms: its name and its form's current submission (a stored act renews it)."""
    return f"{name}_{at.session_state[name.split('_')[0] + '_submission']}"


def app(user: User | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    if user:
        at.session_state["user"] = user
    return at.run()


def registered(at: AppTest) -> set[str]:
    """The page files this session's navigation holds (AppTest.switch_page can reach only these)."""
    files = set()
    for page in ("console", "alerts", "act", "data_status", "sign_in", "big_screen"):
        try:
            at.switch_page(f"pages/{page}.py")
        except ValueError:
            continue
        files.add(page)
    return files


def test_without_sign_in_no_console_page_exists(console_store):
    at = app()
    assert not at.exception
    assert registered(at) == {"big_screen", "sign_in"}


def test_each_role_gets_its_pages(console_store):
    assert registered(app(signed("lee", console_store))) == {"big_screen", "console", "sign_in"}
    assert registered(app(signed("ana", console_store))) == {"big_screen", "console", "alerts", "act", "data_status"}


def test_a_removed_account_or_new_password_ends_open_sessions(console_store):
    at = app(signed("ana", console_store))
    assert [b.key for b in at.sidebar.button] == ["sign_out"]
    accounts.set_password("ana", "another long password", console_store.location)
    at.run()
    assert [b.key for b in at.sidebar.button] == []  # signed out: no menu, no sign-out button
    lee = signed("lee", console_store)
    at = app(lee)
    assert [b.key for b in at.sidebar.button] == ["sign_out"]
    accounts.remove_user("lee", console_store.location)
    at.run()
    assert [b.key for b in at.sidebar.button] == []


def test_signing_in_through_the_form(console_store):
    at = AppTest.from_file("../pages/sign_in.py", default_timeout=60).run()
    at.text_input[0].input("ana")
    at.text_input[1].input("wrong password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或密码不正确。Wrong user name or password."]
    assert "user" not in at.session_state
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["user"] == User("ana", "organizer")  # (the stamp is not compared)
    at = app(at.session_state["user"])
    assert "console" in registered(at)
    at.switch_page("pages/console.py").run()
    assert not at.exception
    assert at.title[0].value == "组织者控制台 Organizers' console"
    at = app(at.session_state["user"])
    at.button(key="sign_out").click().run()
    assert "user" not in at.session_state
    at.switch_page("pages/console.py").run()  # the console, once more
    assert [e.value for e in at.error] == ["请先登录。Please sign in: this page is for signed-in organizers."]
    assert not at.title and not at.dataframe


def test_console_headline_and_filters(console_store):
    at = app(signed("ana", console_store))
    at.switch_page("pages/console.py").run()
    assert not at.exception
    assert format_yuan(16_000) in at.markdown[0].value
    at.sidebar.selectbox(key="f_project").select("P002").run()
    assert not at.exception
    assert format_yuan(5_000) in at.markdown[0].value
    assert at.query_params["project"] == "P002"
    teams = next(d.value for d in at.dataframe if "队伍" in d.value.columns)
    assert list(teams["队伍"]) == ["（无队伍）", "张**的一起捐"]
    at.sidebar.selectbox(key="f_channel").select("offline").run()
    assert format_yuan(0) in at.markdown[0].value
    at.sidebar.button[-1].click().run()  # clear the filters
    assert not at.exception
    assert format_yuan(16_000) in at.markdown[0].value
    assert dict(at.query_params) == {}


def test_a_leader_cannot_reach_the_forms_even_by_running_the_page(console_store):
    at = AppTest.from_file("../pages/act.py", default_timeout=60)
    at.session_state["user"] = signed("lee", console_store)
    at.run()
    assert [e.value for e in at.error] == ["请先登录。Please sign in: this page is for signed-in organizers."]
    assert not at.text_input


def test_recording_a_gift_through_the_form_moves_the_totals(console_store):
    store = console_store
    at = AppTest.from_file("../pages/act.py", default_timeout=60)
    at.session_state["user"] = signed("ana", console_store)
    at.run()
    assert not at.exception
    at.text_input(key=field(at, "gift_amount")).input("1,234.50")
    at.selectbox(key="gift_project").select("P002")
    at.text_area(key=field(at, "gift_reason")).input("现金箱，王老师收")
    at.time_input(key=field(at, "gift_time")).set_value(dt.time(10, 5))  # the event's days are not today
    at.button[0].click().run()  # the gift form's submit button comes first
    assert not at.exception
    assert at.success[0].value.startswith("已录入 线下现金 捐款 ¥1,234.50")
    assert store.query("totals_overall")[0]["total_fen"] == 16_000 + 123_450
    audit = at.dataframe[-1].value
    assert list(audit["操作人"]) == ["ana"] and list(audit["操作"]) == ["录入捐款"]
    assert list(audit["原因"]) == ["现金箱，王老师收"]


def test_the_correction_form_starts_from_the_gift_looked_up(console_store):
    """Looking up one gift, then another, must not carry the first one's project, team or site over."""
    store = console_store
    at = AppTest.from_file("../pages/act.py", default_timeout=60)
    at.session_state["user"] = signed("ana", store)
    at.run()
    at.text_input(key=field(at, "fix_id")).input("C1").run()
    assert at.selectbox(key=field(at, "fix_project_C1")).value == "P001"
    at.text_input(key=field(at, "fix_id")).input("C2").run()
    assert at.selectbox(key=field(at, "fix_project_C2")).value == "P002"
    assert at.selectbox(key=field(at, "fix_team_C2")).value == ""
    assert at.selectbox(key=field(at, "fix_site_C2")).value == "S001"
    at.text_input(key=field(at, "fix_amount_C2")).input("40")
    at.text_area(key=field(at, "fix_reason_C2")).input("金额录错")
    next(b for b in at.button if b.label == "提交").click().run()  # the correction form's submit
    assert not at.exception
    row = store.query_rows(
        "select project_id, team_id, site_id, sum(amount_fen) as a from ledger where donation_id = 'C2'"
        " group by project_id, team_id, site_id having sum(donation_count) > 0"
    )
    assert row == [{"project_id": "P002", "team_id": None, "site_id": "S001", "a": 4_000}]


def test_a_category_and_a_project_of_another_category_do_not_break_the_console(console_store):
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["user"] = signed("ana", console_store)
    at.query_params["category"] = "特殊关爱"
    at.query_params["project"] = "P001"  # 便民利民
    at.run()
    at.switch_page("pages/console.py").run()
    assert not at.exception


def test_the_alerts_page_lists_todays_large_gifts(console_store):
    import dataclasses
    import datetime as dt

    store = console_store
    when = dt.datetime.now(store.event.tz).replace(microsecond=0)
    store.event = dataclasses.replace(store.event, first_day=when.date())  # a gift today is in the event's window
    row = f"BIG,{when:%Y-%m-%d %H:%M:%S},20000,0,P089,,S002,corporate,某公司\n"
    import_bytes(store, (CANONICAL_HEADER + row).encode(), "big.csv")
    at = AppTest.from_file("../pages/alerts.py", default_timeout=60)
    at.session_state["user"] = signed("ana", store)
    at.run()
    assert not at.exception
    tables = {tuple(d.value.columns): d.value for d in at.dataframe}
    large = next(v for k, v in tables.items() if "金额(元)" in k and "渠道" in k)
    assert list(large["编号"]) == ["BIG"] and list(large["金额(元)"]) == [20000.0]


def test_the_alerts_page_says_how_long_no_file_came_in_days_and_hours(console_store):
    with console_store.engine.begin() as conn:  # the store's only file, imported 2277 days and 18 hours ago
        conn.exec_driver_sql("update imports set started_at = started_at - interval '2277 days 18 hours 5 minutes'")
    at = AppTest.from_file("../pages/alerts.py", default_timeout=60)
    at.session_state["user"] = signed("ana", console_store)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["已有 2277 天 18 小时没有新的数据文件。请检查平台导出和收件箱。"]
    assert [m.value for m in at.metric if m.label == "距今"] == ["2277 天 18 小时"]


@pytest.mark.parametrize(
    "params, total_fen",
    [
        ({"day": "2020-09-07"}, 16_000),
        ({"day": "2020-09-08"}, 0),
        ({"day": "2020-09-07", "from": "10:01"}, 5_000),
        ({"day": "2020-09-07", "to": "10:01"}, 11_000),
        ({"day": "2020-09-07", "from": "10:00", "to": "10:01", "project": "P001"}, 11_000),
        ({"day": "2020-09-07", "from": "11:00", "to": "10:00"}, 0),  # an end before the start: to the day's end
        ({"day": "2020-09-07", "from": "25:99", "to": "x"}, 16_000),  # unreadable times are dropped
        ({"from": "10:01", "to": "10:02"}, 16_000),  # a time range without a day means nothing
        ({"day": "1999-01-01", "site": "S001", "channel": "qr"}, 5_000),  # a day outside the event is dropped
        ({"day": "2020-09-07", "category": "特殊关爱", "street": "大学路街道", "team": "T002"}, 0),
    ],
)
def test_every_filter_the_url_can_say_opens_the_console(console_store, params, total_fen):
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["user"] = signed("ana", console_store)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/console.py").run()
    assert not at.exception
    assert at.markdown[0].value.startswith(f"### 筛选范围内 {format_yuan(total_fen)}")


def test_a_link_whose_filters_no_longer_apply_says_which_were_left_out(console_store):
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["user"] = signed("ana", console_store)
    for k, v in {"day": "1999-01-01", "site": "S001", "project": "[P9](javascript:alert(1))"}.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/console.py").run()
    assert not at.exception
    assert at.markdown[0].value.startswith(f"### 筛选范围内 {format_yuan(5_000)}")  # S001's gift alone
    [note] = [w.value for w in at.warning if "链接" in w.value]
    # each value as text: Markdown's characters escaped, so a link's value cannot put a link on the page
    assert f"日期 {as_text('1999-01-01')}、项目 {as_text('[P9](javascript:alert(1))')}。" in note
    assert "\\[P9\\]\\(javascript" in note
    assert "点位" not in note
    at.sidebar.selectbox(key="f_channel").select("qr").run()  # the person chose filters of their own
    assert not [w for w in at.warning if "链接" in w.value]


def test_choosing_a_day_in_the_sidebar_shows_its_time_range(console_store):
    at = app(signed("ana", console_store))
    at.switch_page("pages/console.py").run()
    at.sidebar.selectbox(key="f_day").select("2020-09-07").run()
    assert not at.exception
    assert [t.value for t in at.sidebar.time_input] == [None, None]
    at.sidebar.time_input(key="f_from").set_value(dt.time(10, 1)).run()
    assert not at.exception
    assert at.markdown[0].value.startswith(f"### 筛选范围内 {format_yuan(5_000)}")
    assert dict(at.query_params) == {"day": "2020-09-07", "from": "10:01"}


def test_a_search_that_finds_nothing_says_so_and_a_search_that_finds_filters(console_store):
    at = app(signed("ana", console_store))
    at.switch_page("pages/console.py").run()
    at.text_input(key="search").input("p002").run()
    assert not at.exception
    projects = next(d.value for d in at.dataframe if "项目" in d.value.columns)
    assert list(projects["编号"]) == ["P002"]
    latest = next(d.value for d in at.dataframe if "捐赠人" in d.value.columns)
    assert list(latest["编号"]) == ["C2"]  # the newest gifts of P002 only
    at.text_input(key="search").input("张三").run()  # no id, project, team or site holds a donor's name
    assert not any("捐赠人" in d.value.columns for d in at.dataframe)
    at.text_input(key="search").input("<b>无此项</b>").run()
    said = [c.value for c in at.caption if "Nothing here has" in c.value]
    assert said and all("\\<b\\>无此项\\</b\\>" in c for c in said)  # as typed, never read as HTML or Markdown
    assert not any("Nothing yet" in c.value for c in at.caption)  # the tables have rows: the search found none
