"""A school's pages: teachers, classes and the bell schedule, for its staff and for the bureau."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Web

NEW_TEACHER = {
    "username": "hn-zhanghua",
    "display_name": "张华",
    "password": "teacher-pass-1",
    "subjects": ["数学", "科学"],
    "grades": ["4", "5"],
    "key_level": "city",
    "title": "一级教师",
}


def test_a_school_admin_sees_the_teachers_with_their_profiles(web: Web) -> None:
    page = web.browser("hn-sadmin").text(f"/schools/{web.hn.school_id}")
    assert "王老师" in page
    assert "hn-teacher" in page
    assert "语文" in page
    assert "3年级" in page
    assert "李老师" not in page  # a teacher of the other school
    assert f'action="/schools/{web.hn.school_id}/teachers"' in page


def test_a_school_admin_adds_a_teacher_who_is_listed_at_once(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    response = admin.post(f"/schools/{web.hn.school_id}/teachers", NEW_TEACHER)
    assert response.status_code == 302
    page = admin.text(f"/schools/{web.hn.school_id}")
    assert "张华" in page
    assert "数学、科学" in page
    assert "4、5年级" in page
    assert "市级骨干" in page
    assert "一级教师" in page
    web.browser("hn-zhanghua", "teacher-pass-1")  # and can sign in


def test_a_teacher_with_broken_fields_is_refused_with_every_input_kept(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    bad = NEW_TEACHER | {"password": "short"}
    response = admin.post(f"/schools/{web.hn.school_id}/teachers", bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "密码至少8位" in page
    assert 'value="hn-zhanghua"' in page
    assert 'value="张华"' in page
    assert 'value="一级教师"' in page
    assert 'value="数学" checked' in page
    assert 'value="科学" checked' in page
    assert 'value="5" checked' in page
    assert '<option value="city" selected>' in page
    assert "<details" in page
    assert 'id="add-teacher" open' in page
    taken = admin.post(
        f"/schools/{web.hn.school_id}/teachers", NEW_TEACHER | {"username": "hn-teacher"}
    )
    assert taken.status_code == 422
    assert "登录名 hn-teacher 已被使用" in taken.get_data(as_text=True)


def test_a_teacher_sees_their_school_read_only(web: Web) -> None:
    teacher = web.browser("hn-teacher")
    page = teacher.text(f"/schools/{web.hn.school_id}")
    assert "王老师" in page
    assert f'action="/schools/{web.hn.school_id}/teachers"' not in page
    assert f'href="/schools/{web.hn.school_id}/teachers/' not in page  # no manage links
    assert teacher.post(f"/schools/{web.hn.school_id}/teachers", NEW_TEACHER).status_code == 403
    assert (
        teacher.post(
            f"/schools/{web.hn.school_id}/classes", {"grade": "3", "name": "9班"}
        ).status_code
        == 403
    )
    assert teacher.get(f"/schools/{web.hn.school_id}/teachers/import").status_code == 403
    assert (
        teacher.get(f"/schools/{web.hn.school_id}/teachers/{web.hn.teacher.user_id}").status_code
        == 403
    )


def test_another_schools_staff_are_forbidden_and_another_bureau_gets_not_found(web: Web) -> None:
    school = f"/schools/{web.hn.school_id}"
    other_teacher = web.browser("hn-teacher2")
    for path in (school, f"{school}/classes", f"{school}/bells", f"{school}/teachers/import"):
        assert other_teacher.get(path).status_code == 403, path
    yy = web.browser("yy-admin")
    for path in (
        school,
        f"{school}/classes",
        f"{school}/bells",
        f"{school}/teachers/import",
        f"{school}/teachers/{web.hn.teacher.user_id}",
        "/schools/nonsense",
    ):
        assert yy.get(path).status_code == 404, path
    assert yy.post(f"{school}/teachers", NEW_TEACHER | {"username": "yy-x"}).status_code == 404
    assert yy.post(f"{school}/classes", {"grade": "3", "name": "9班"}).status_code == 404
    assert yy.post(f"{school}/teachers/{web.hn.teacher.user_id}/deactivate").status_code == 404


def test_the_bureau_monitor_reads_a_school_and_changes_nothing(web: Web) -> None:
    monitor = web.browser("hn-monitor")
    page = monitor.text(f"/schools/{web.hn.school_id}")
    assert "王老师" in page
    assert "添加教师" not in page
    assert (
        monitor.post(
            f"/schools/{web.hn.school_id}/classes", {"grade": "3", "name": "9班"}
        ).status_code
        == 403
    )


def test_a_school_admin_edits_a_profile_resets_a_password_and_deactivates(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    teacher = f"/schools/{web.hn.school_id}/teachers/{web.hn.teacher.user_id}"
    profile = {
        "display_name": "王芳",
        "subjects": ["语文", "班队"],
        "grades": ["3", "4"],
        "key_level": "county",
        "title": "语文教研组长",
    }
    assert admin.post(teacher, profile).status_code == 302
    page = admin.text(teacher)
    assert 'value="王芳"' in page
    assert 'value="班队" checked' in page
    assert '<option value="county" selected>' in page
    assert admin.post(f"{teacher}/password", {"password": "reset-pass-99"}).status_code == 302
    web.browser("hn-teacher", "reset-pass-99")
    assert admin.post(f"{teacher}/deactivate", {"reason": "退休"}).status_code == 302
    assert "已停用" in admin.text(f"/schools/{web.hn.school_id}")
    assert admin.post(f"{teacher}/reactivate").status_code == 302
    assert (
        "已停用"
        not in admin.text(f"/schools/{web.hn.school_id}")
        .split('id="teachers"')[1]
        .split("</table>")[0]
    )


def test_a_profile_with_an_unknown_subject_is_refused_and_kept(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    teacher = f"/schools/{web.hn.school_id}/teachers/{web.hn.teacher.user_id}"
    response = admin.post(
        teacher, {"display_name": "王芳", "subjects": ["天文"], "title": "新职称"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "未知学科" in page
    assert 'value="王芳"' in page
    assert 'value="新职称"' in page
    assert "王老师" in admin.text(f"/schools/{web.hn.school_id}")  # nothing changed


def test_school_admins_are_managed_by_the_bureau_not_by_a_school_admin(web: Web) -> None:
    principal = f"/schools/{web.hn.school_id}/teachers/{web.hn.school_admin.user_id}"
    school_admin = web.browser("hn-sadmin")
    assert school_admin.get(principal).status_code == 403
    assert school_admin.post(f"{principal}/deactivate").status_code == 403
    bureau = web.browser("hn-admin")
    assert "校长" in bureau.text(principal)
    assert bureau.post(f"{principal}/deactivate", {"reason": "调任"}).status_code == 302
    assert "已停用" in bureau.text(f"/bureau/schools/{web.hn.school_id}")


def test_a_teacher_of_another_school_is_not_found_under_this_school(web: Web) -> None:
    admin = web.browser("hn-admin")
    wrong = f"/schools/{web.hn.school_id}/teachers/{web.hn.other_teacher.user_id}"
    assert admin.get(wrong).status_code == 404


def test_classes_are_opened_refused_when_duplicated_and_closed(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    classes = f"/schools/{web.hn.school_id}/classes"
    assert admin.post(classes, {"grade": "5", "name": "2班"}).status_code == 302
    page = admin.text(classes)
    assert "5年级" in page
    assert "2班" in page
    again = admin.post(classes, {"grade": "5", "name": "2班"})
    assert again.status_code == 422
    assert "5年级2班已存在" in again.get_data(as_text=True)
    no_grade = admin.post(classes, {"grade": "8", "name": "1班"})
    assert no_grade.status_code == 422
    assert "该学段没有8年级" in no_grade.get_data(as_text=True)
    class_id = next(
        c.class_id
        for c in web.runtime.services.queries.classes(web.hn.admin, web.hn.school_id)
        if c.grade == 5
    )
    assert admin.post(f"{classes}/{class_id}/close").status_code == 302
    assert "5年级" not in admin.text(classes).split("<table>")[1].split("</table>")[0]
    gone = admin.post(f"{classes}/{class_id}/close")
    assert gone.status_code == 422
    assert "没有这个班级" in gone.get_data(as_text=True)


def _same_every_day(days: list[str], *rows: tuple[str, str]) -> dict[str, Any]:
    form: dict[str, Any] = {"mode": "same", "days": days}
    for n, (start, end) in enumerate(rows, start=1):
        form[f"start-{n}"], form[f"end-{n}"] = start, end
    return form


def test_one_days_periods_are_applied_to_monday_to_friday(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    bells = f"/schools/{web.hn.school_id}/bells"
    form = _same_every_day(
        ["1", "2", "3", "4", "5"], ("8:00", "08:40"), ("08:50", "09:30"), ("", "")
    )
    form["start-4"], form["end-4"] = "10:40", "11:20"  # period 3 left out (a break), period 4 kept
    assert admin.post(bells, form).status_code == 302
    schedule = web.runtime.services.queries.bell_schedule(web.hn.admin, web.hn.school_id)
    assert len(schedule) == 15
    assert {"weekday": 5, "number": 4, "start": "10:40", "end": "11:20"} in schedule
    assert {p["weekday"] for p in schedule} == {1, 2, 3, 4, 5}
    page = admin.text(bells)
    assert "08:00–08:40" in page
    assert "周五" in page
    assert 'name="days" value="5" checked' in page
    assert 'name="days" value="6" checked' not in page


def test_each_day_can_differ_and_overlaps_are_refused_with_the_input_kept(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    bells = f"/schools/{web.hn.school_id}/bells"
    form = {
        "mode": "each",
        "d1-start-1": "08:00",
        "d1-end-1": "08:40",
        "d1-start-2": "08:30",
        "d1-end-2": "09:10",
        "d5-start-1": "08:00",
        "d5-end-1": "08:40",
    }
    response = admin.post(bells, form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "星期1第1节与第2节时间重叠" in page
    assert 'name="d1-start-2" value="08:30"' in page
    assert 'name="d5-end-1" value="08:40"' in page
    assert web.runtime.services.queries.bell_schedule(web.hn.admin, web.hn.school_id) == []
    form["d1-start-2"] = "08:50"
    assert admin.post(bells, form).status_code == 302
    schedule = web.runtime.services.queries.bell_schedule(web.hn.admin, web.hn.school_id)
    assert [(p["weekday"], p["number"]) for p in schedule] == [(1, 1), (1, 2), (5, 1)]


def test_a_period_that_ends_before_it_starts_or_has_no_day_is_explained(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    bells = f"/schools/{web.hn.school_id}/bells"
    backwards = admin.post(bells, _same_every_day(["1"], ("09:00", "08:00")))
    assert backwards.status_code == 422
    assert "第1节开始时间须早于结束时间" in backwards.get_data(as_text=True)
    assert 'name="start-1" value="09:00"' in backwards.get_data(as_text=True)
    no_day = admin.post(bells, _same_every_day([], ("08:00", "08:40")))
    assert no_day.status_code == 422
    assert "请至少选择一天" in no_day.get_data(as_text=True)
    half = admin.post(bells, _same_every_day(["1"], ("08:00", "")))
    assert half.status_code == 422
    assert "时间格式应为HH:MM" in half.get_data(as_text=True)


def test_teachers_read_the_bell_schedule_but_cannot_change_it(web: Web) -> None:
    admin, teacher = web.browser("hn-sadmin"), web.browser("hn-teacher")
    bells = f"/schools/{web.hn.school_id}/bells"
    admin.post(bells, _same_every_day(["1", "2"], ("08:00", "08:40")))
    page = teacher.text(bells)
    assert "08:00–08:40" in page
    assert "统一设置" not in page
    assert teacher.post(bells, _same_every_day(["1"], ("09:00", "09:40"))).status_code == 403


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    response = admin.post(f"/schools/{web.hn.school_id}/teachers", NEW_TEACHER, csrf=False)
    assert response.status_code == 400
    forged = admin.post(
        f"/schools/{web.hn.school_id}/teachers", NEW_TEACHER | {"csrf_token": "forged"}, csrf=False
    )
    assert forged.status_code == 400
    assert "张华" not in admin.text(f"/schools/{web.hn.school_id}")


def test_the_english_switch_shows_english_labels_and_english_errors(web: Web) -> None:
    admin = web.browser("hn-sadmin")
    admin.get("/lang/en")
    page = admin.text(f"/schools/{web.hn.school_id}")
    assert "Teachers" in page
    assert "Bell schedule" in page
    assert "Add a teacher" in page
    assert "Chinese" in page
    assert "Grade 3" in page
    assert "添加教师" not in page
    refused = admin.post(
        f"/schools/{web.hn.school_id}/teachers", NEW_TEACHER | {"password": "short"}
    )
    assert refused.status_code == 422
    assert "A password has at least 8 characters" in refused.get_data(as_text=True)
    bells = admin.text(f"/schools/{web.hn.school_id}/bells")
    assert "Same every day" in bells
    assert "Mon" in bells
