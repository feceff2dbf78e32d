"""The bureau's pages: schools, a school's details and admins, bureau staff and transfers."""

from __future__ import annotations

from uuid import uuid4

from domain.roles import Role
from tests.web.conftest import Web


def test_a_bureau_admin_sees_every_school_with_its_figures(web: Web) -> None:
    page = web.browser("hn-admin").text("/bureau/schools")
    assert "海宁市教育局第一小学" in page
    assert "海宁市教育局第二小学" in page
    assert "HN-01" in page
    assert "小学" in page
    assert "乡村" in page
    assert "城镇" in page
    assert "余姚" not in page  # another bureau's schools never show
    assert 'action="/bureau/schools"' in page  # the create form


def test_a_bureau_admin_creates_a_school_and_its_page_shows_it_at_once(web: Web) -> None:
    admin = web.browser("hn-admin")
    response = admin.post(
        "/bureau/schools",
        {
            "name": "海宁市新仓小学",
            "code": "hn-xc",
            "stage": "nine_year",
            "locality": "rural",
            "student_count": "380",
        },
    )
    assert response.status_code == 302
    page = admin.text(response.headers["Location"])
    assert "海宁市新仓小学" in page
    assert "HN-XC" in page
    assert "九年一贯制" in page
    assert "学生 380 人" in page
    assert "海宁市新仓小学" in admin.text("/bureau/schools")


def test_a_taken_school_code_is_shown_as_an_error_and_the_form_keeps_the_input(
    web: Web,
) -> None:
    admin = web.browser("hn-admin")
    response = admin.post(
        "/bureau/schools",
        {
            "name": "重名学校",
            "code": "HN-01",
            "stage": "junior",
            "locality": "urban",
            "student_count": "120",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "学校代码 HN-01 已被使用" in page
    assert 'value="重名学校"' in page
    assert 'value="120"' in page
    assert '<option value="junior" selected>' in page


def test_a_student_count_that_is_not_a_number_is_a_form_error(web: Web) -> None:
    response = web.browser("hn-admin").post(
        "/bureau/schools",
        {
            "name": "新校",
            "code": "HN-NEW",
            "stage": "primary",
            "locality": "rural",
            "student_count": "很多",
        },
    )
    assert response.status_code == 422
    assert "学生数应为整数" in response.get_data(as_text=True)


def test_a_monitor_sees_the_schools_read_only(web: Web) -> None:
    monitor = web.browser("hn-monitor")
    page = monitor.text("/bureau/schools")
    assert "海宁市教育局第一小学" in page
    assert 'action="/bureau/schools"' not in page
    school = monitor.text(f"/bureau/schools/{web.hn.school_id}")
    assert f'action="/bureau/schools/{web.hn.school_id}"' not in school
    assert "新建学校管理员" not in school
    forbidden = monitor.post(
        "/bureau/schools",
        {"name": "督导建校", "code": "HN-M", "stage": "primary", "locality": "rural"},
    )
    assert forbidden.status_code == 403
    assert "督导建校" not in monitor.text("/bureau/schools")


def test_school_staff_are_forbidden_the_bureau_pages(web: Web) -> None:
    for username in ("hn-sadmin", "hn-teacher"):
        someone = web.browser(username)
        for path in (
            "/bureau/schools",
            f"/bureau/schools/{web.hn.school_id}",
            "/bureau/staff",
            f"/bureau/people/{web.hn.teacher.user_id}/transfer",
        ):
            assert someone.get(path).status_code == 403, (username, path)


def test_another_bureaus_schools_and_people_are_not_found(web: Web) -> None:
    yy = web.browser("yy-admin")
    hn_school, hn_teacher = web.hn.school_id, web.hn.teacher.user_id
    assert yy.get(f"/bureau/schools/{hn_school}").status_code == 404
    assert yy.get(f"/bureau/schools/{uuid4()}").status_code == 404
    assert yy.get("/bureau/schools/not-a-uuid").status_code == 404
    assert yy.get(f"/bureau/people/{hn_teacher}/transfer").status_code == 404
    edit = {"name": "入侵", "stage": "primary", "locality": "rural", "student_count": "1"}
    assert yy.post(f"/bureau/schools/{hn_school}", edit).status_code == 404
    admin = {"username": "yy-spy", "display_name": "间谍", "password": "long-enough-1"}
    assert yy.post(f"/bureau/schools/{hn_school}/admins", admin).status_code == 404
    moved = yy.post(
        f"/bureau/people/{hn_teacher}/transfer", {"to_school_id": str(web.yy.school_id)}
    )
    assert moved.status_code == 404
    assert "入侵" not in web.browser("hn-admin").text("/bureau/schools")


def test_the_bureau_edits_a_school_and_creates_its_admin_who_can_then_sign_in(web: Web) -> None:
    admin = web.browser("hn-admin")
    school = f"/bureau/schools/{web.hn.other_school_id}"
    edited = admin.post(
        school,
        {
            "name": "海宁市第二实验小学",
            "stage": "primary",
            "locality": "urban",
            "student_count": "640",
        },
    )
    assert edited.status_code == 302
    created = admin.post(
        f"{school}/admins",
        {
            "username": "hn-principal2",
            "display_name": "赵校长",
            "title": "校长",
            "password": "principal-pass-1",
        },
    )
    assert created.status_code == 302
    page = admin.text(school)
    assert "海宁市第二实验小学" in page
    assert "学生 640 人" in page
    assert "赵校长" in page
    assert "hn-principal2" in page
    principal = web.browser("hn-principal2", "principal-pass-1")
    assert "赵校长" in principal.text(f"/schools/{web.hn.other_school_id}")


def test_a_school_admin_with_a_bad_login_name_keeps_the_input(web: Web) -> None:
    response = web.browser("hn-admin").post(
        f"/bureau/schools/{web.hn.school_id}/admins",
        {
            "username": "x",
            "display_name": "钱主任",
            "title": "教导主任",
            "password": "long-enough-1",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "登录名应为3–64位字母" in page
    assert 'value="钱主任"' in page
    assert 'value="教导主任"' in page


def test_the_bureau_admin_creates_monitors_and_experts_without_a_school(web: Web) -> None:
    admin = web.browser("hn-admin")
    for role, username, name in (
        (Role.BUREAU_MONITOR, "hn-monitor2", "第二督导"),
        (Role.EXPERT, "hn-jy-yuwen", "语文教研员"),
    ):
        response = admin.post(
            "/bureau/staff",
            {
                "role": str(role),
                "username": username,
                "display_name": name,
                "password": "staff-pass-123",
                "subjects": ["语文"],
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    page = admin.text("/bureau/staff")
    assert "第二督导" in page
    assert "语文教研员" in page
    assert "教研员" in page
    expert = web.runtime.services.queries.user(
        web.hn.admin,
        next(
            u.id
            for u in web.runtime.services.queries.bureau_staff(web.hn.admin)
            if u.username == "hn-jy-yuwen"
        ),
    )
    assert expert.school_id is None
    assert expert.subjects == ["语文"]
    assert web.browser("hn-monitor").get("/bureau/staff").status_code == 403


def test_the_staff_page_offers_only_monitors_and_experts(web: Web) -> None:
    response = web.browser("hn-admin").post(
        "/bureau/staff",
        {
            "role": "bureau_admin",
            "username": "hn-admin2",
            "display_name": "另一个管理员",
            "password": "staff-pass-123",
        },
    )
    assert response.status_code == 422
    assert "请选择督导或教研员" in response.get_data(as_text=True)
    assert 'value="另一个管理员"' in response.get_data(as_text=True)


def test_a_bureau_admin_deactivates_and_resets_a_monitor(web: Web) -> None:
    admin = web.browser("hn-admin")
    monitor_id = web.hn.monitor.user_id
    short = admin.post(f"/bureau/staff/{monitor_id}/password", {"password": "short"})
    assert short.status_code == 422
    assert "密码至少8位" in short.get_data(as_text=True)
    assert (
        admin.post(
            f"/bureau/staff/{monitor_id}/password", {"password": "new-monitor-pass"}
        ).status_code
        == 302
    )
    web.browser("hn-monitor", "new-monitor-pass")
    assert admin.post(f"/bureau/staff/{monitor_id}/deactivate").status_code == 302
    assert "已停用" in admin.text("/bureau/staff")
    assert admin.post(f"/bureau/staff/{monitor_id}/reactivate").status_code == 302


def test_a_bureau_admin_transfers_a_teacher_to_another_school(web: Web) -> None:
    admin = web.browser("hn-admin")
    path = f"/bureau/people/{web.hn.teacher.user_id}/transfer"
    form = admin.text(path)
    assert "王老师" in form
    assert "海宁市教育局第二小学" in form
    assert f'<option value="{web.hn.school_id}"' not in form  # not to where they are
    response = admin.post(path, {"to_school_id": str(web.hn.other_school_id)})
    assert response.status_code == 302
    assert "王老师" in admin.text(response.headers["Location"])
    assert "王老师" not in admin.text(f"/schools/{web.hn.school_id}")


def test_a_transfer_without_a_school_or_to_another_bureau_fails(web: Web) -> None:
    admin = web.browser("hn-admin")
    path = f"/bureau/people/{web.hn.teacher.user_id}/transfer"
    empty = admin.post(path, {"to_school_id": ""})
    assert empty.status_code == 422
    assert "请选择调入学校" in empty.get_data(as_text=True)
    assert admin.post(path, {"to_school_id": str(web.yy.school_id)}).status_code == 404
    assert (
        web.browser("hn-monitor")
        .post(path, {"to_school_id": str(web.hn.other_school_id)})
        .status_code
        == 403
    )


def test_signed_out_visitors_are_sent_to_sign_in(web: Web) -> None:
    anonymous = web.browser()
    for path in ("/bureau/schools", f"/schools/{web.hn.school_id}", "/bureau/staff"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
