"""Certificates: issued for real by completing a live course, then seen on the learner's page,
downloaded as PDF, and checked publicly with the code."""

import re
import zlib
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from courses import services as course_services
from courses.services import enrolment_create
from learners.models import User
from progress import permissions
from progress.certificate_pdf import (
    UNICODE_FONTS,
    FontFiles,
    core_font_text,
    render_certificate_pdf,
)
from progress.certificates import normalise_code
from progress.models import Certificate
from progress.services import lesson_complete
from tests.conftest import REQUIRE_SERVICES
from tests.pdf_reader import read_lines

pytestmark = pytest.mark.django_db

SITE_URL = "https://training.example.com"
ISSUED = "2025-03-14 09:30Z"
ISSUED_ON = "14 Mar 2025"  # the site's one DATE_FORMAT (config/formats/en/formats.py)
ZOE = "Zo\u00eb O\u2019Brien-\u0141ukasz"  # Zoë O’Brien-Łukasz; ’ and Ł are not Latin-1
ZOE_IN_CORE_FONT = "Zo\u00eb O\u2019Brien-Lukasz"  # ’ is in Windows-1252, Ł is not


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.SITE_NAME = "Service Practice"


@pytest.fixture
def course(admin):
    course = course_services.course_create(
        title="Calm Under Pressure", slug="calm-under-pressure", created_by=admin
    )
    draft = course.versions.get()
    module = course_services.module_create(version=draft, title="Listening first")
    course_services.lesson_create(module=module, title="Let them finish")
    course_services.lesson_create(module=module, title="Name the feeling")
    course_services.course_publish(course=course, actor=None)
    course.refresh_from_db()
    return course


def complete(user: User, course) -> Certificate:
    """Take every live lesson of `course` as `user`; returns the certificate that issues."""
    enrolment = enrolment_create(user=user, course=course)
    for key in course.published_version.lessons.values_list("key", flat=True):
        lesson_complete(enrolment=enrolment, lesson_key=key)
    return Certificate.objects.get(enrolment=enrolment)


@pytest.fixture
def certificate(learner, course) -> Certificate:
    assert not Certificate.objects.filter(user=learner).exists()
    with time_machine.travel(ISSUED, tick=False):
        certificate = complete(learner, course)
    assert certificate.learner_name == "Leo Learner"
    assert certificate.course_title == "Calm Under Pressure"
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", certificate.code)
    return certificate


def verify_url(certificate: Certificate) -> str:
    return f"{SITE_URL}/verify/{certificate.code}/"


def unicode_fonts(
    candidates: tuple[FontFiles, ...] = UNICODE_FONTS, *, required: bool = REQUIRE_SERVICES
) -> list[FontFiles]:
    """The DejaVu Sans files this machine has. None: skip, or, under REQUIRE_SERVICES=1 (as CI,
    which installs fonts-dejavu-core), fail."""
    available = [fonts for fonts in candidates if all(f.is_file() for f in fonts)]
    if not available:
        if required:
            pytest.fail(
                "DejaVu Sans is required (REQUIRE_SERVICES=1; apt-get install fonts-dejavu-core)"
            )
        pytest.skip("no DejaVu Sans on this machine")
    return available


# One file from each Debian package that prints the scripts DejaVu Sans lacks.
SCRIPT_FONTS = {
    "fonts-noto-core": Path("/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf"),
    "fonts-droid-fallback": Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf"),
}


def script_fonts(
    files: dict[str, Path] = SCRIPT_FONTS, *, required: bool = REQUIRE_SERVICES
) -> None:
    """Skip unless the fonts for Chinese, Korean, Devanagari and the rest are here; under
    REQUIRE_SERVICES=1 (as CI, which installs them), fail naming the packages to install."""
    missing = [package for package, path in files.items() if not path.is_file()]
    if missing:
        install = f"apt-get install {' '.join(missing)}"
        if required:
            pytest.fail(f"Fonts for every script are required (REQUIRE_SERVICES=1; {install})")
        pytest.skip(f"no fonts for every script on this machine ({install})")


def pdf_text(pdf: bytes) -> bytes:
    """The page's drawing instructions, inflated, to look for core-font text in."""
    # Sliced by /Length: compressed bytes may themselves end in "\r" or contain "endstream".
    return b"".join(
        zlib.decompress(pdf[match.end() : match.end() + int(match[1])])
        for match in re.finditer(rb"/Filter /FlateDecode\n/Length (\d+)\n>>\nstream\n", pdf)
    )


# --- The certificate page ---------------------------------------------------------------------


def test_owner_sees_their_certificate(client, learner, certificate):
    client.force_login(learner)
    response = client.get(reverse("certificate_detail", args=[certificate.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Leo Learner" in html
    assert "Calm Under Pressure" in html
    assert ISSUED_ON in html
    assert certificate.code in html
    assert verify_url(certificate) in html
    assert reverse("certificate_pdf", args=[certificate.code]) in html
    assert "You did it!" in html
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("learner", 200),
        ("manager", 200),  # manages Downtown, where Leo works
        ("admin", 200),
        ("other_learner", 404),  # Leo's teammate
        ("other_manager", 404),  # manages Harbour, not Downtown
        ("outsider", 404),
    ],
)
def test_certificate_page_is_for_the_learner_their_managers_and_admins(
    client, request, certificate, manager, other_manager, other_learner, outsider, persona, status
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("certificate_detail", args=[certificate.code]))
    assert response.status_code == status
    if status == 200 and persona != "learner":
        assert "Leo Learner finished every lesson" in response.content.decode()
        assert "You did it!" not in response.content.decode()


def test_certificate_page_requires_sign_in(client, certificate):
    response = client.get(reverse("certificate_detail", args=[certificate.code]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_certificate_page_accepts_the_code_as_typed(client, learner, certificate):
    client.force_login(learner)
    typed = f"{certificate.code[:5].lower()}-{certificate.code[5:].lower()}"
    assert client.get(reverse("certificate_detail", args=[typed])).status_code == 200
    assert client.get(reverse("certificate_detail", args=["NOPE"])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "queries"),
    [
        # session, user, managed teams, certificate, navigation's manager check
        ("learner", 5),
        ("manager", 5),
        # session, user, certificate
        ("admin", 3),
    ],
)
def test_certificate_page_query_count(
    client, request, certificate, manager, admin, django_assert_num_queries, persona, queries
):
    client.force_login(request.getfixturevalue(persona))
    with django_assert_num_queries(queries):
        assert client.get(reverse("certificate_detail", args=[certificate.code])).status_code == 200


# --- The PDF ----------------------------------------------------------------------------------


def test_owner_downloads_the_pdf(client, learner, certificate):
    client.force_login(learner)
    response = client.get(reverse("certificate_pdf", args=[certificate.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="certificate-{certificate.code}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    assert response.content.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 200), ("admin", 200), ("other_learner", 404), ("other_manager", 404)],
)
def test_pdf_follows_the_page_permissions(
    client, request, certificate, manager, admin, other_learner, other_manager, persona, status
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("certificate_pdf", args=[certificate.code]))
    assert response.status_code == status
    if status == 404:
        assert not response.content.startswith(b"%PDF")


def test_pdf_requires_sign_in(client, certificate):
    response = client.get(reverse("certificate_pdf", args=[certificate.code]))
    assert response.status_code == 302


def test_pdf_states_the_certificate(certificate):
    # () forces the core font, whose text can be read back from the page.
    pdf = render_certificate_pdf(
        certificate,
        site_name="Service Practice",
        verify_url="https://x.test/v/",
        font_candidates=(),
    )
    page = pdf_text(pdf)
    for text in [
        b"Service Practice",
        b"Certificate of completion",
        b"Leo Learner",
        b"Calm Under Pressure",
        ISSUED_ON.encode(),
        certificate.code.encode(),
        b"https://x.test/v/",
    ]:
        assert text in page
    assert b"/MediaBox [0 0 841.89 595.28]" in pdf  # A4, landscape


def test_core_font_text_keeps_what_it_can_and_never_raises():
    assert core_font_text(ZOE) == ZOE_IN_CORE_FONT
    assert core_font_text("Karel Čapek") == "Karel Capek"
    assert core_font_text("Zoe\u0308") == "Zoë"  # decomposed input
    assert core_font_text("Анна") == "????"
    assert core_font_text("ﬁne\u200b\n") == "fine"


@pytest.mark.parametrize("name", [ZOE, "Анна Петрова", "王小明 🙂"])
def test_unicode_names_make_a_valid_pdf_without_a_unicode_font(client, learner, course, name):
    learner.full_name = name
    learner.save()
    certificate = complete(learner, course)
    assert certificate.learner_name == name
    pdf = render_certificate_pdf(
        certificate, site_name="Service Practice", verify_url="https://x.test/", font_candidates=()
    )
    assert pdf.startswith(b"%PDF")
    assert b"/FontFile2" not in pdf  # core font only, nothing embedded
    if name == ZOE:
        assert ZOE_IN_CORE_FONT.encode("cp1252") in pdf_text(pdf)


def test_unicode_name_pdf_over_http(client, learner, course):
    learner.full_name = ZOE
    learner.save()
    certificate = complete(learner, course)
    client.force_login(learner)
    response = client.get(reverse("certificate_pdf", args=[certificate.code]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_unicode_names_use_a_unicode_font_when_the_machine_has_one(learner, course):
    unicode_fonts()
    learner.full_name = f"{ZOE} Анна 王"
    learner.save()
    certificate = complete(learner, course)
    pdf = render_certificate_pdf(
        certificate, site_name="Service Practice", verify_url="https://x.test/"
    )
    assert pdf.startswith(b"%PDF")
    assert b"/FontFile2" in pdf  # the TrueType font is embedded


# Each name as a reader sees it on the page, left to right: right-to-left names come out
# reversed, and Arabic letters are drawn in their joined forms.
@pytest.mark.parametrize(
    ("name", "drawn", "font"),
    [
        ("王小明", "王小明", "DroidSansFallback"),
        ("김민준", "김민준", "DroidSansFallback"),
        ("Zoë Łukasz", "Zoë Łukasz", "DejaVuSansBold"),
        ("Ελένη", "Ελένη", "DejaVuSansBold"),
        ("Иван", "Иван", "DejaVuSansBold"),
        ("محمد", "دمحم", "DejaVuSansBold"),
        ("נועה", "העונ", "DejaVuSansBold"),
        ("प्रिया", "प्रिया", "NotoSansDevanagariBold"),
    ],
)
def test_names_in_any_script_are_printed_with_real_glyphs(learner, course, name, drawn, font):
    unicode_fonts()
    script_fonts()
    learner.full_name = name
    learner.save()
    certificate = complete(learner, course)
    pdf = render_certificate_pdf(
        certificate, site_name="Service Practice", verify_url="https://x.test/"
    )
    lines = read_lines(pdf)
    texts = [line.text for line in lines]
    assert texts[:5] == [
        "Service Practice",
        "Certificate of completion",
        "This certifies that",
        drawn,
        "has completed the course",
    ]
    name_line = lines[3]
    assert name_line.fonts == {font}
    assert all(glyph.drawn for glyph in name_line.glyphs)  # no empty box, no "?"
    assert "?" not in "".join(texts)
    assert pdf.count(b"/FontFile2") <= 5  # only the fonts this certificate uses


def test_arabic_letters_join(learner, course):
    unicode_fonts()
    learner.full_name = "محمد"
    learner.save()
    certificate = complete(learner, course)
    name = read_lines(
        render_certificate_pdf(certificate, site_name="Service Practice", verify_url="x")
    )[3]
    assert name.text == "دمحم"
    # The two م are one letter in two shapes: the first opens the word, the second sits inside
    # it. Unjoined, both would be the same isolated glyph.
    first_meem, second_meem = name.glyphs[3], name.glyphs[1]
    assert first_meem.text == second_meem.text == "م"
    assert first_meem.code != second_meem.code
    assert len({glyph.code for glyph in name.glyphs}) == 4


def test_a_course_title_and_site_name_in_other_scripts(certificate):
    unicode_fonts()
    script_fonts()
    # Long enough to wrap, its second line starting with Latin letters: the line after one
    # that starts in a fallback font must still be drawn in the main font.
    certificate.course_title = "お客様対応の基本 " * 5 + "Customer Service Essentials"
    pdf = render_certificate_pdf(certificate, site_name="서비스 연습", verify_url="x")
    texts = [line.text for line in read_lines(pdf)]
    assert texts[0] == "서비스 연습"
    assert texts[5] == "お客様対応の基本 " * 5 + "Customer"
    assert texts[6] == "Service Essentials"
    assert texts[7] == f"Issued on {ISSUED_ON}"


def test_without_script_fonts_what_has_no_font_becomes_a_question_mark(learner, course):
    unicode_fonts()
    learner.full_name = "Анна 王"
    learner.save()
    certificate = complete(learner, course)
    pdf = render_certificate_pdf(
        certificate, site_name="Service Practice", verify_url="x", fallback_fonts=()
    )
    name = read_lines(pdf)[3]
    assert name.text == "Анна ?"
    assert all(glyph.drawn for glyph in name.glyphs)


def test_a_missing_script_font_skips_locally_and_fails_under_require_services(tmp_path):
    nowhere = {"fonts-noto-core": tmp_path / "NotoSansDevanagari-Regular.ttf"}
    with pytest.raises(pytest.skip.Exception, match="apt-get install fonts-noto-core"):
        script_fonts(nowhere, required=False)
    with pytest.raises(pytest.fail.Exception, match="apt-get install fonts-noto-core"):
        script_fonts(nowhere, required=True)
    nowhere["fonts-noto-core"].touch()
    script_fonts(nowhere, required=True)


def test_a_missing_unicode_font_skips_locally_and_fails_under_require_services(tmp_path):
    nowhere = (tmp_path / "DejaVuSans.ttf", tmp_path / "DejaVuSans-Bold.ttf")
    with pytest.raises(pytest.skip.Exception, match="no DejaVu Sans"):
        unicode_fonts((nowhere,), required=False)
    with pytest.raises(pytest.fail.Exception, match="fonts-dejavu-core"):
        unicode_fonts((nowhere,), required=True)
    nowhere[0].touch()  # the regular face alone is not enough
    with pytest.raises(pytest.fail.Exception):
        unicode_fonts((nowhere,), required=True)
    nowhere[1].touch()
    assert unicode_fonts((nowhere,), required=True) == [nowhere]


# --- Public verification ----------------------------------------------------------------------


def test_anyone_can_verify_a_certificate(client, certificate):
    response = client.get(reverse("certificate_verify", args=[certificate.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Valid certificate" in html
    assert "Leo Learner" in html
    assert "Calm Under Pressure" in html
    assert ISSUED_ON in html
    assert '<meta name="robots" content="noindex">' in html
    assert "leo@example.com" not in html
    assert "Downtown" not in html


def test_verify_shows_nothing_beyond_the_certificate(client, learner, certificate, admin):
    other_course = course_services.course_create(
        title="Turning Visitors Into Regulars", slug="regulars", created_by=admin
    )
    module = course_services.module_create(version=other_course.versions.get(), title="Warmth")
    course_services.lesson_create(module=module, title="Remember names")
    course_services.course_publish(course=other_course, actor=None)
    other_course.refresh_from_db()
    complete(learner, other_course)

    html = client.get(reverse("certificate_verify", args=[certificate.code])).content.decode()
    assert "Calm Under Pressure" in html
    assert "Turning Visitors Into Regulars" not in html


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.lower(),
        lambda code: f"{code[:5]}-{code[5:]}",
        lambda code: f" {code[:3].lower()} {code[3:6]}-{code[6:]} ",
        lambda code: f"{code[:5]}\u2013{code[5:]}",  # an en dash, pasted from a document
    ],
)
def test_verify_accepts_the_code_as_people_type_it(client, certificate, typed):
    response = client.get(reverse("certificate_verify", args=[typed(certificate.code)]))
    assert response.status_code == 200
    assert "Leo Learner" in response.content.decode()


@pytest.mark.parametrize("code", ["ABCDEFGH23", "not a code!", "A" * 40])
def test_verify_unknown_code_is_404_and_says_to_check_it(client, certificate, code):
    response = client.get(reverse("certificate_verify", args=[code]))
    html = response.content.decode()
    assert response.status_code == 404
    assert "We couldn't find that certificate" in html
    assert "check the code" in html
    assert "Leo Learner" not in html
    assert '<meta name="robots" content="noindex">' in html


def test_verify_query_count(client, certificate, django_assert_num_queries):
    with django_assert_num_queries(1):  # the certificate; anonymous, so no session or user
        assert client.get(reverse("certificate_verify", args=[certificate.code])).status_code == 200
    with django_assert_num_queries(0):  # not shaped like a code: no lookup at all
        assert client.get(reverse("certificate_verify", args=["?!"])).status_code == 404


def test_normalise_code():
    assert normalise_code(" abcd-efgh 23 ") == "ABCDEFGH23"
    assert normalise_code("---") is None
    assert normalise_code("ABC/DEF") is None
    assert normalise_code("A" * 17) is None


# --- Permissions ------------------------------------------------------------------------------


def test_certificates_visible_to(
    certificate, learner, manager, other_manager, other_learner, admin
):
    other = complete(other_learner, certificate.course)

    def visible(user):
        return set(permissions.certificates_visible_to(user))

    assert visible(learner) == {certificate}
    assert visible(other_learner) == {other}
    assert visible(manager) == {certificate, other}
    assert visible(other_manager) == set()
    assert visible(admin) == {certificate, other}
    learner.is_active = False
    assert visible(learner) == set()


def test_a_person_without_a_name_is_not_shown_by_email(client, learner, course):
    learner.full_name = ""
    learner.save()
    certificate = complete(learner, course)
    html = client.get(reverse("certificate_verify", args=[certificate.code])).content.decode()
    assert "leo@example.com" not in html


def test_dates_read_the_same_on_every_page(client, learner, certificate):
    """One format ("14 Mar 2025"), not Django's "March 14, 2025" beside a hand-made one."""
    client.force_login(learner)
    pages = {
        "certificate": client.get(reverse("certificate_detail", args=[certificate.code])),
        "dashboard": client.get(reverse("dashboard")),
        "verify": client.get(reverse("certificate_verify", args=[certificate.code])),
    }
    for name, page in pages.items():
        html = page.content.decode()
        assert ISSUED_ON in html, name
        assert "March 14" not in html, name
