"""Recording activities with evidence, placements, withdrawing, and who may see the files."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.web_communities.conftest import World, read
from web.evidence import download_name

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"photo of the research session"
PDF = b"%PDF-1.4\n% minutes of the meeting\n"


def files(*items: tuple[bytes, str, str]) -> list[tuple[io.BytesIO, str, str]]:
    return [(io.BytesIO(data), name, kind) for data, name, kind in items]


def blobs(world: World) -> set[str]:
    root = Path(world.runtime.settings.var_dir) / "blobs"
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def record(world: World, username: str, **form: Any) -> Any:
    browser = world.browser(username)
    data = {"kind": "offline_research", "title": "三年级语文集体备课", "occurred_on": "2025-05-12"}
    return browser, browser.post(
        f"/communities/{world.community}/activities",
        {**data, **form},
        content_type="multipart/form-data",
    )


def test_a_teacher_records_research_with_participants_and_evidence_stored_by_hash(
    world: World,
) -> None:
    teacher, response = record(
        world,
        "hn-teacher",
        participant_ids=[str(world.hn.teacher.user_id)],
        summary="围绕单元整体教学设计研讨",
        evidence=files(
            (PNG, "现场照片.png", "image/png"), (PDF, "会议纪要.pdf", "application/pdf")
        ),
    )
    assert response.status_code == 302
    page = teacher.text(response.headers["Location"])
    assert "三年级语文集体备课" in page
    assert "王老师" in page  # the participant
    assert "已计入进度" in page
    assert "2025-05-12" in page
    assert "现场照片.png" in page
    assert "会议纪要.pdf" in page
    sha = hashlib.sha256(PNG).hexdigest()
    assert sha in blobs(world)
    assert (Path(world.runtime.settings.var_dir) / "blobs" / sha[:2] / sha).read_bytes() == PNG
    # The same photo again is stored once.
    record(world, "hn-teacher", evidence=files((PNG, "again.png", "image/png")))
    assert len(blobs(world)) == 2
    listing = world.browser("hn-admin").text(f"/communities/{world.community}/activities")
    assert listing.count("三年级语文集体备课") == 2
    assert "发生于" in listing
    assert "记录于" in listing
    download = teacher.get(f"/communities/activities/{page_id(response)}/evidence/{sha}")
    assert download.status_code == 200
    assert download.data == PNG
    assert download.mimetype == "image/png"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("inline")
    assert "filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png" in disposition
    assert 'filename="evidence.png"' in disposition  # the plain fallback for old clients
    attachment = teacher.get(
        f"/communities/activities/{page_id(response)}/evidence/{sha}?download=1"
    )
    assert attachment.headers["Content-Disposition"].startswith("attachment")


def page_id(response: Any) -> str:
    return str(response.headers["Location"]).rstrip("/").rsplit("/", 1)[-1]


def test_a_bad_evidence_file_stores_nothing_and_records_nothing(world: World) -> None:
    exe = b"MZ\x90\x00" + b"\x00" * 100
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024)
    cases = [
        ((b"plain text", "notes.txt", "text/plain"), "不支持的文件类型"),
        ((b"", "empty.png", "image/png"), "文件为空"),
        ((exe, "photo.png", "image/png"), "文件内容与类型不符"),
        ((big, "huge.png", "image/png"), "文件超过10MB"),
    ]
    for bad, message in cases:
        good = (PNG, "good.png", "image/png")
        _, response = record(world, "hn-teacher", title="带坏文件的记录", evidence=files(good, bad))
        assert response.status_code == 422, message
        page = response.get_data(as_text=True)
        assert message in page
        assert 'value="带坏文件的记录"' in page  # the input is kept
        assert "请重新选择文件" in page
    assert blobs(world) == set()
    listing = world.browser("hn-admin").text(f"/communities/{world.community}/activities")
    assert "带坏文件的记录" not in listing
    # Beyond what a request may carry at all, the answer is 413 and still nothing is stored.
    huge = b"\x89PNG\r\n\x1a\n" + b"\x00" * (12 * 1024 * 1024)
    teacher = world.browser("hn-teacher")
    boundary, body = encode_multipart(
        {
            "csrf_token": teacher.token,
            "kind": "offline_research",
            "title": "超大文件",
            "occurred_on": "2025-05-12",
            "evidence": FileStorage(io.BytesIO(huge), "huge.png", content_type="image/png"),
        }
    )
    response = teacher.client.post(
        f"/communities/{world.community}/activities",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    read(response)
    assert response.status_code == 413
    assert blobs(world) == set()


def test_a_student_exchange_records_a_count_of_students_never_their_names(world: World) -> None:
    teacher, response = record(
        world,
        "hn-teacher",
        kind="student_exchange",
        title="城乡学生手拉手研学",
        exchange_kind="研学",
        student_count="多",
    )
    assert response.status_code == 422
    assert "参与学生人数应为整数" in response.get_data(as_text=True)
    form = teacher.text(f"/communities/{world.community}/activities/new?kind=student_exchange")
    assert 'name="student_count"' in form
    assert "只记录人数，不填写学生姓名" in form
    assert "student_name" not in form
    _, response = record(
        world,
        "hn-teacher",
        kind="student_exchange",
        title="城乡学生手拉手研学",
        exchange_kind="研学",
        student_count="46",
    )
    assert response.status_code == 302
    page = teacher.text(response.headers["Location"])
    assert "参与学生人数" in page
    assert ">46<" in page


def test_a_research_output_has_a_level_and_only_a_web_link(world: World) -> None:
    common = {"kind": "research_output", "title": "城乡同步课堂实践", "level": "province"}
    _, bad = record(world, "hn-teacher", **common, link="javascript:alert(1)")
    assert bad.status_code == 422
    assert "链接应以http://或https://开头" in bad.get_data(as_text=True)
    teacher, good = record(world, "hn-teacher", **common, link="https://example.org/paper")
    assert good.status_code == 302
    page = teacher.text(good.headers["Location"])
    assert "省级" in page
    assert 'href="https://example.org/paper"' in page
    _, no_level = record(world, "hn-teacher", **{**common, "level": "galaxy"})
    assert no_level.status_code == 422
    assert "成果级别应为校/县/市/省/国家" in no_level.get_data(as_text=True)


def test_a_shadow_placement_counts_only_once_completed_with_enough_days(world: World) -> None:
    admin = world.browser("hn-admin")
    teacher, response = record(
        world,
        "hn-teacher2",
        kind="shadow_placement",
        title="数学教师到核心校跟岗",
        teacher_id=str(world.hn.other_teacher.user_id),
        host_school_id=str(world.hn.school_id),
        starts_on="2025-04-01",
        ends_on="2025-04-30",
    )
    assert response.status_code == 302
    placement = response.headers["Location"]
    page = teacher.text(placement)
    assert "未计入（待完成）" in page
    assert "李老师" in page
    assert "海宁市教育局第一小学" in page
    assert "完成跟岗" in page
    short = teacher.post(f"{placement}/complete", {"ended_on": "2025-04-10"})
    assert short.status_code == 422
    assert "不足30天" in short.get_data(as_text=True)
    assert 'value="2025-04-10"' in short.get_data(as_text=True)
    assert admin.post(f"{placement}/complete", {"ended_on": "2025-05-01"}).status_code == 403
    done = teacher.post(f"{placement}/complete", {"ended_on": "2025-05-01"})
    assert done.status_code == 302
    page = teacher.text(placement)
    assert "已计入进度" in page
    assert "共 31 天" in page


def test_withdrawing_needs_a_reason_and_only_the_recording_school_may(world: World) -> None:
    teacher, response = record(world, "hn-teacher")
    activity = response.headers["Location"]
    for username in ("hn-teacher2", "hn-admin", "hn-monitor"):
        forbidden = world.browser(username).post(f"{activity}/withdraw", {"reason": "重复"})
        assert forbidden.status_code == 403, username
    empty = teacher.post(f"{activity}/withdraw", {"reason": " "})
    assert empty.status_code == 422
    assert "撤回需要说明原因" in empty.get_data(as_text=True)
    assert teacher.post(f"{activity}/withdraw", {"reason": "与上周记录重复"}).status_code == 302
    page = teacher.text(activity)
    assert "已撤回" in page
    assert "与上周记录重复" in page
    assert f'action="{activity}/withdraw"' not in page
    community = world.browser("hn-admin").text(f"/communities/{world.community}")
    assert "0.0%" in community  # the withdrawn record no longer counts


def test_a_record_made_long_after_the_fact_is_flagged(world: World) -> None:
    # Recorded now for 12 May 2025: long after the fact.
    teacher, late = record(world, "hn-teacher", title="迟到的记录")
    assert "补录" in teacher.text(late.headers["Location"])
    now = datetime.now(UTC)
    world.set_clock(now)
    _, fresh = record(world, "hn-teacher", title="当天的记录", occurred_on=now.date().isoformat())
    page = teacher.text(fresh.headers["Location"])
    assert "补录" not in page
    listing = teacher.text(f"/communities/{world.community}/activities")
    lines = re.findall(r"<li class=\"[^\"]*\">(.*?)</li>", listing, re.S)
    flagged = {("迟到的记录" in li, "当天的记录" in li): "补录" in li for li in lines}
    assert flagged == {(True, False): True, (False, True): False}


def test_evidence_is_served_only_to_people_who_may_see_the_record(world: World) -> None:
    _, response = record(world, "hn-teacher", evidence=files((PNG, "p.png", "image/png")))
    sha = hashlib.sha256(PNG).hexdigest()
    path = f"{response.headers['Location']}/evidence/{sha}"
    assert world.browser("hn-teacher2").get(path).status_code == 200
    assert world.browser("hn-monitor").get(path).status_code == 200
    world.outsider()
    for username in ("hn-outsider", "yy-admin", "yy-teacher"):
        assert world.browser(username).get(path).status_code == 404, username
    teacher = world.browser("hn-teacher")
    assert teacher.get(f"{response.headers['Location']}/evidence/{'0' * 64}").status_code == 404
    assert teacher.get(f"{response.headers['Location']}/evidence/..%2f..%2fetc").status_code == 404


def test_more_evidence_can_be_attached_later_by_the_recording_school(world: World) -> None:
    teacher, response = record(world, "hn-teacher")
    activity = response.headers["Location"]
    attach = teacher.post(
        f"{activity}/evidence",
        {"evidence": files((PDF, "纪要.pdf", "application/pdf"))},
        content_type="multipart/form-data",
    )
    assert attach.status_code == 302
    assert "纪要.pdf" in teacher.text(activity)
    nothing = teacher.post(f"{activity}/evidence", {}, content_type="multipart/form-data")
    assert nothing.status_code == 422
    assert "请选择文件" in nothing.get_data(as_text=True)
    other = world.browser("hn-teacher2").post(
        f"{activity}/evidence",
        {"evidence": files((PDF, "x.pdf", "application/pdf"))},
        content_type="multipart/form-data",
    )
    assert other.status_code == 403


def test_a_school_outside_the_community_cannot_record_for_it(world: World) -> None:
    world.outsider()
    _, response = record(world, "hn-outsider")
    assert response.status_code == 404
    _, future = record(world, "hn-teacher", occurred_on="2099-01-01")
    assert future.status_code == 422
    assert "不能记录未来的活动" in future.get_data(as_text=True)


def test_a_download_name_has_no_path_quotes_or_control_characters() -> None:
    assert download_name('../../etc/pa"ss\r\nwd.png', "image/png") == "pa_ss_wd.png"
    assert download_name("C:\\Users\\me\\照片.jpg", "image/jpeg") == "照片.jpg"
    assert download_name("...", "application/pdf") == "evidence.pdf"
    assert download_name("report", "application/pdf") == "report.pdf"
