"""Camera scanning at the desk in a real browser: Chromium's fake camera plays a video of a signed
certificate's QR code (a .y4m file made here from the token), the page's Scan button opens the camera,
jsQR decodes the code, the form is sent, and the server verifies the Ed25519 signature and shows the
household — on a 390 px phone screen, with the page's CSP (no inline script). A second video shows a
forged certificate, which is refused. SQLite only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import segno
from PIL import Image
from tests.assistance.conftest import World
from tests.assistance.test_browser import served  # noqa: F401  (the fixture)
from tests.browser import page_width
from tests.helpers import PASSWORD
from tests.web.test_browser import ARGS, CHROMIUM

from refugio.registration import certificate
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.web.assistance import desk

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"
    ),
    pytest.mark.skipif(desk.jsqr_path() is None, reason="jsQR is not installed (npm ci)"),
]
WIDTH, HEIGHT = 640, 480


def qr_video(payload: str, path: Path, frames: int = 5) -> Path:
    """A YUV4MPEG2 (4:2:0) video of the payload's QR code, black on white, for Chromium's fake camera."""
    qr = segno.make(payload, error="m", micro=False)
    side = qr.symbol_size(scale=1, border=4)[0]
    scale = max(1, (HEIGHT - 20) // side)
    modules = np.array([[0 if dark else 255 for dark in row] for row in qr.matrix], dtype=np.uint8)
    image = Image.fromarray(np.pad(modules, 4, constant_values=255)).resize(
        (side * scale, side * scale), Image.Resampling.NEAREST
    )
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(image, ((WIDTH - image.width) // 2, (HEIGHT - image.height) // 2))
    luma = np.asarray(frame, dtype=np.uint8).tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def scan(url: str, video: Path) -> tuple[str, list[str]]:
    """Sign in as the desk clerk, scan with the fake camera; the page's text after the lookup and the
    console errors (a CSP violation would be one)."""
    from playwright.sync_api import expect, sync_playwright

    camera = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS + camera)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            context.grant_permissions(["camera"], origin=url)
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.set_default_timeout(20_000)
            page.goto(f"{url}/login")
            page.fill("#username", "desk")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]:has-text('Sign in')")
            page.goto(f"{url}/assistance/desk")
            page.fill("#d-desk", "Gate 1")
            expect(page.locator("#d-scan")).to_be_visible()  # shown by the script: camera and jsQR
            with page.expect_navigation():
                page.click("#d-scan")
            expect(page.locator("h1:has-text('Desk')")).to_be_visible()
            assert page_width(page) <= 390
            return page.inner_text("main"), errors
        finally:
            browser.close()


def test_scanning_a_certificate_with_the_camera(served: tuple[str, World], tmp_path: Path) -> None:  # noqa: F811
    url, world = served
    with unit_of_work(world.container.sessions) as s:
        token = certificate.issue_certificate(
            s, actor=SYSTEM, individual_id=world.focal_person_id, signer=world.container.keyring.signing_key()
        ).token
    text, errors = scan(url, qr_video(token, tmp_path / "good.y4m"))
    assert world.family_ref in text and "145.00 JOD" in text, text
    assert not errors, errors
    head, body, sig = token.split(".")
    forged = ".".join([head, body, ("A" if sig[0] != "A" else "B") + sig[1:]])
    text, _errors = scan(url, qr_video(forged, tmp_path / "forged.y4m"))
    assert "certificate refused" in text and "145.00 JOD" not in text, text
