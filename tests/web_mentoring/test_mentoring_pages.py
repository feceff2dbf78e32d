"""The mentoring pages: the quick record form, confirming and disputing, pairing and ending early."""

from __future__ import annotations

import io
from datetime import timedelta

from domain.roles import Role
from tests.web_mentoring.conftest import PNG, SUMMARY, Mentoring

QUICK = {
    "kind": "observation",
    "mode": "offline",
    "minutes": "40",
    "summary": "听《找春天》，学习朗读指导",
}


def quick(world: Mentoring, **changes: str) -> dict[str, str]:
    return {
        **QUICK,
        "pair_id": str(world.pair_id),
        "occurred_on": world.today.isoformat(),
        **changes,
    }


def test_a_teacher_sees_their_pair_with_what_is_due_and_the_quick_form(world: Mentoring) -> None:
    page = world.browser("hn-teacher").text("/mentoring")
    assert "徒弟 李老师" in page
    assert "今年已确认0次，目标5次；按当前进度将达到0次" in page
    assert "已结束" in page  # the pair with 赵老师
    assert 'accept="image/*,application/pdf"' in page
    assert f'value="{world.today.isoformat()}"' in page
    for chip in (
        "听课",
        "评课",
        "指导备课",
        "示范课",
        "专题交流",
        "40分钟",
        "45分钟",
        "60分钟",
        "90分钟",
    ):
        assert chip in page
    # Only the pair still running can be recorded for: one pair, so no choice to make.
    assert f'name="pair_id" value="{world.pair_id}"' in page
    assert str(world.ended_pair_id) not in page.split('id="record"')[1].split("</form>")[0]


def test_a_mentee_records_an_observation_with_a_photo_and_the_mentor_confirms_it(
    world: Mentoring,
) -> None:
    mentee, mentor = world.browser("hn-teacher2"), world.browser("hn-teacher")
    response = mentee.post(
        "/mentoring/records",
        quick(world, minutes="", minutes_custom="50")
        | {"evidence": (io.BytesIO(PNG), "听课照片.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "等待对方确认" in mentee.text("/mentoring")
    home = mentor.text("/mentoring")
    assert "待我确认" in home
    assert "听《找春天》，学习朗读指导" in home
    assert "50分钟" in home
    assert "听课照片.png" in home
    assert "今年已确认0次" in home
    confirmed = mentor.post(f"/mentoring/pairs/{world.pair_id}/records/3/confirm", {"back": "home"})
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith("/mentoring#awaiting")
    home = mentor.text("/mentoring")
    assert "已确认，计入本年度" in home
    assert "今年已确认1次，目标5次" in home
    assert '待我确认 <span class="muted">1条</span>' in home  # record 1, the mentee's too
    pair = mentor.text(f"/mentoring/pairs/{world.pair_id}")
    assert "已确认" in pair
    assert "0.8小时" in pair
    assert "1/5" in mentor.text(f"/mentoring/communities/{world.community_id}")


def test_a_record_with_missing_or_wrong_fields_is_refused_bilingually_with_the_input_kept(
    world: Mentoring,
) -> None:
    mentee = world.browser("hn-teacher2")
    refused = mentee.post("/mentoring/records", quick(world, kind=""))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "请选择活动类型" in page
    assert "听《找春天》，学习朗读指导" in page  # the summary typed is kept
    assert 'value="offline" required checked' in page
    future = (world.today + timedelta(days=1)).isoformat()
    refused = mentee.post("/mentoring/records", quick(world, occurred_on=future))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "不能记录未来的活动" in page
    assert f'value="{future}"' in page
    assert 'value="observation" required checked' in page
    refused = mentee.post("/mentoring/records", quick(world, minutes="", minutes_custom="5"))
    assert refused.status_code == 422
    assert "时长应为10分钟至8小时" in refused.get_data(as_text=True)
    refused = mentee.post("/mentoring/records", quick(world, minutes="", minutes_custom="一小时"))
    assert "时长应为分钟数" in refused.get_data(as_text=True)
    refused = mentee.post("/mentoring/records", quick(world, summary="  "))
    assert "请填写活动摘要" in refused.get_data(as_text=True)
    refused = mentee.post(
        "/mentoring/records",
        quick(world) | {"evidence": (io.BytesIO(b"MZ not a photo"), "a.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "文件内容与类型不符" in refused.get_data(as_text=True)
    mentee.get("/lang/en")
    refused = mentee.post("/mentoring/records", quick(world, occurred_on=future))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "An activity cannot be recorded before it happens" in page
    assert "不能记录未来的活动" not in page
    assert "Lesson observation" in page
    assert "Quick record" in page
    assert "0 confirmed this year of a target of 5; at this pace you will reach 0" in page
    refused = mentee.post("/mentoring/records", quick(world, mode=""))
    assert "Choose the mode, online or offline" in refused.get_data(as_text=True)
    _, records, _ = world.runtime.services.mentoring.pair_detail(
        world.web.hn.teacher, world.pair_id
    )
    assert len(records) == 2  # nothing refused was recorded


def test_only_the_other_side_confirms_or_disputes(world: Mentoring) -> None:
    mentee, mentor = world.browser("hn-teacher2"), world.browser("hn-teacher")
    # Record 1 is the mentee's: the mentee cannot confirm it, the school admin is no side at all.
    own = mentee.post(f"/mentoring/pairs/{world.pair_id}/records/1/confirm")
    assert own.status_code == 422
    assert "需由另一方确认" in own.get_data(as_text=True)
    for who in ("hn-sadmin", "hn-sadmin2", "hn-admin", "hn-colleague"):
        browser = world.browser(who)
        assert (
            browser.post(f"/mentoring/pairs/{world.pair_id}/records/1/confirm").status_code == 403
        )
        forbidden = browser.post(
            f"/mentoring/pairs/{world.pair_id}/records/1/dispute", {"comment": "不对"}
        )
        assert forbidden.status_code == 403
    empty = mentor.post(f"/mentoring/pairs/{world.pair_id}/records/1/dispute", {"comment": " "})
    assert empty.status_code == 422
    assert "请说明质疑理由" in empty.get_data(as_text=True)
    assert mentor.post(f"/mentoring/pairs/{world.pair_id}/records/9/confirm").status_code == 422
    disputed = mentor.post(
        f"/mentoring/pairs/{world.pair_id}/records/1/dispute", {"comment": "应为45分钟"}
    )
    assert disputed.status_code == 302
    pair = mentee.text(f"/mentoring/pairs/{world.pair_id}")
    assert "应为45分钟" in pair
    assert pair.count("有异议") >= 2
    # The mentor checks again and confirms after all; a confirmed record cannot be disputed.
    assert mentor.post(f"/mentoring/pairs/{world.pair_id}/records/1/confirm").status_code == 302
    late = mentor.post(f"/mentoring/pairs/{world.pair_id}/records/1/dispute", {"comment": "x"})
    assert late.status_code == 422
    assert "已确认的记录不能再质疑" in late.get_data(as_text=True)
    assert "今年已确认1次" in mentee.text("/mentoring")


def test_a_post_without_the_csrf_token_is_refused(world: Mentoring) -> None:
    mentor = world.browser("hn-teacher")
    forged = mentor.post(f"/mentoring/pairs/{world.pair_id}/records/1/confirm", csrf=False)
    assert forged.status_code == 400
    assert "今年已确认0次" in mentor.text("/mentoring")


def test_the_core_school_admin_pairs_and_a_fourth_mentee_is_refused_clearly(
    world: Mentoring,
) -> None:
    hn, people = world.web.hn, world.runtime.services.people
    for n in range(3):
        people.register_user(
            hn.admin,
            username=f"hn-mentee{n}",
            display_name=f"新徒弟{n}",
            password="mentee-pass-1",
            roles=[Role.TEACHER],
            school_id=world.third_school_id,
        )
    world.runtime.services.queries.wait_for(
        world.runtime.platform.recorder.max_notification_id() or 0
    )
    ids = {
        u.display_name: u.id
        for u in world.runtime.services.queries.staff(hn.admin, world.third_school_id)
    }
    admin = world.browser("hn-sadmin")
    page = admin.text(f"/mentoring/schools/{hn.school_id}")
    assert "新结对：狮岭—博达测试教共体" in page
    assert "每位导师同时最多带3名徒弟" in page
    assert "已带1名" in page  # 王老师 has 李老师; the pair with 赵老师 has ended
    form = {
        "community_id": str(world.community_id),
        "mentor_id": str(hn.teacher.user_id),
        "paired_on": world.today.isoformat(),
        "ends_on": (world.today + timedelta(days=365)).isoformat(),
    }
    for n in (0, 1):
        done = admin.post(
            f"/mentoring/schools/{hn.school_id}/pairs", form | {"mentee_id": str(ids[f"新徒弟{n}"])}
        )
        assert done.status_code == 302
    assert "已带3名，已满" in admin.text(f"/mentoring/schools/{hn.school_id}")
    fourth = admin.post(
        f"/mentoring/schools/{hn.school_id}/pairs", form | {"mentee_id": str(ids["新徒弟2"])}
    )
    assert fourth.status_code == 422
    page = fourth.get_data(as_text=True)
    assert "每位导师同时最多带3名徒弟" in page
    assert 'role="alert"' in page
    assert f'<option value="{ids["新徒弟2"]}" selected>' in page  # the choice is kept
    assert f'<option value="{hn.teacher.user_id}" selected>' in page
    admin.get("/lang/en")
    fourth = admin.post(
        f"/mentoring/schools/{hn.school_id}/pairs", form | {"mentee_id": str(ids["新徒弟2"])}
    )
    assert "A mentor has at most 3 mentees at a time" in fourth.get_data(as_text=True)
    nobody = admin.post(f"/mentoring/schools/{hn.school_id}/pairs", form | {"mentee_id": ""})
    assert nobody.status_code == 422
    assert "Choose the mentee" in nobody.get_data(as_text=True)


def test_only_the_core_school_admin_gets_the_pairing_form(world: Mentoring) -> None:
    hn = world.web.hn
    member = world.browser("hn-sadmin2")
    page = member.text(f"/mentoring/schools/{hn.other_school_id}")
    assert "李老师" in page
    assert "赵老师" in page
    assert "新结对" not in page
    refused = member.post(
        f"/mentoring/schools/{hn.other_school_id}/pairs",
        {
            "community_id": str(world.community_id),
            "mentor_id": str(hn.teacher.user_id),
            "mentee_id": str(hn.other_teacher.user_id),
            "paired_on": world.today.isoformat(),
            "ends_on": (world.today + timedelta(days=365)).isoformat(),
        },
    )
    assert refused.status_code == 403
    # A school page is its own admin's: another school's admin, a teacher, the bureau are refused.
    assert member.get(f"/mentoring/schools/{hn.school_id}").status_code == 403
    assert world.browser("hn-teacher").get(f"/mentoring/schools/{hn.school_id}").status_code == 403
    assert world.browser("yy-sadmin").get(f"/mentoring/schools/{hn.school_id}").status_code == 404


def test_a_school_admin_ends_a_pairing_early_with_a_reason(world: Mentoring) -> None:
    hn = world.web.hn
    admin = world.browser("hn-sadmin2")  # the mentee's school
    url = f"/mentoring/pairs/{world.pair_id}/end"
    assert f'action="{url}"' in admin.text(f"/mentoring/schools/{hn.other_school_id}")
    refused = admin.post(url, {"ended_on": world.today.isoformat(), "reason": "", "back": "school"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "提前结束需要说明原因" in page
    assert 'id="end" open' in page  # shown on the pair's page, the form open
    early = admin.post(url, {"ended_on": "2000-01-01", "reason": "日期填错"})
    assert "结束日期早于结对日期" in early.get_data(as_text=True)
    for who in ("hn-teacher", "hn-teacher2", "hn-admin", "hn-third"):
        other = world.browser(who)
        assert (
            other.post(url, {"ended_on": world.today.isoformat(), "reason": "想结束"}).status_code
            == 403
        )
    ended = admin.post(
        url, {"ended_on": world.today.isoformat(), "reason": "李老师调往外地", "back": "school"}
    )
    assert ended.status_code == 302
    assert ended.headers["Location"].endswith(f"/mentoring/schools/{hn.other_school_id}#pairs")
    page = admin.text(f"/mentoring/schools/{hn.other_school_id}")
    assert "结对已提前结束" in page
    assert f"已于{world.today.isoformat()}结束" in page
    assert "李老师调往外地" in admin.text(f"/mentoring/pairs/{world.pair_id}")
    assert "李老师调往外地" not in world.browser("hn-admin").text(
        f"/mentoring/pairs/{world.pair_id}"
    )
    again = admin.post(url, {"ended_on": world.today.isoformat(), "reason": "再结束一次"})
    assert again.status_code == 422
    assert "结对已结束" in again.get_data(as_text=True)
    assert 'id="end"' not in again.get_data(as_text=True)  # an ended pairing offers no end form
    # An ended pair takes no new records.
    mentee = world.browser("hn-teacher2")
    assert 'id="record"' not in mentee.text("/mentoring")
    assert SUMMARY in mentee.text(f"/mentoring/pairs/{world.pair_id}")


def test_the_bureau_reaches_each_communitys_counts_from_the_mentoring_page(
    world: Mentoring,
) -> None:
    page = world.browser("hn-monitor").text("/mentoring")
    assert f"/mentoring/communities/{world.community_id}" in page
    assert "您目前没有结对" not in page  # said to teachers only
    assert "您目前没有结对" in world.browser("hn-third").text("/mentoring")
    assert "/mentoring" in world.browser("hn-admin").text("/")
    admin = world.browser("hn-sadmin").text("/mentoring")
    assert f"/mentoring/schools/{world.web.hn.school_id}" in admin
