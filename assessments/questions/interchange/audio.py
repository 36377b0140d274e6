"""The check for sounds embedded in question files: the bytes decide what a file is, never its
name, as `courses.images.check_image` does for pictures.

Only formats every current browser plays in an `<audio>` element are kept: MP3, Ogg (Vorbis,
Opus or FLAC inside), WAV, FLAC and M4A (AAC in MP4 with an audio brand). An MP4 or WebM
file may hold a video, so it isn't taken for a sound.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_AUDIO_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class AudioFormat:
    name: str  # shown in messages
    extension: str  # the extension a stored copy gets; courses.content plays these
    content_type: str


MP3 = AudioFormat("MP3", "mp3", "audio/mpeg")
OGG = AudioFormat("Ogg", "ogg", "audio/ogg")
WAV = AudioFormat("WAV", "wav", "audio/wav")
FLAC = AudioFormat("FLAC", "flac", "audio/flac")
M4A = AudioFormat("M4A", "m4a", "audio/mp4")

# Codec identification packets that open the first page of an Ogg file holding sound.
_OGG_AUDIO_CODECS = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ")
_M4A_BRANDS = {b"M4A ", b"M4B "}


def _mp3_frame(content: bytes, at: int) -> bool:
    """True when an MPEG audio frame header starts at `at`: the sync bits, a layer, and a
    bitrate and sample rate that aren't the reserved values."""
    header = content[at : at + 4]
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version, layer = (header[1] >> 3) & 0b11, (header[1] >> 1) & 0b11
    bitrate, sample_rate = header[2] >> 4, (header[2] >> 2) & 0b11
    return version != 0b01 and layer != 0 and bitrate != 0b1111 and sample_rate != 0b11


def _id3_end(content: bytes) -> int:
    """Where the audio after an ID3v2 tag starts; 0 without a tag."""
    if not content.startswith(b"ID3") or len(content) < 10:
        return 0
    size = 0
    for byte in content[6:10]:  # a "syncsafe" integer: seven bits per byte
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if content[5] & 0x10 else 0)  # a footer when the flag says so


def audio_format(content: bytes) -> AudioFormat | None:
    """The sound format of `content`, or None when it isn't a sound we can play (or is larger
    than MAX_AUDIO_BYTES)."""
    if len(content) > MAX_AUDIO_BYTES or len(content) < 12:
        return None
    if content.startswith(b"RIFF") and content[8:12] == b"WAVE":
        return WAV
    if content.startswith(b"fLaC"):
        return FLAC
    if content.startswith(b"OggS"):
        first_page = content[:300]
        return OGG if any(codec in first_page for codec in _OGG_AUDIO_CODECS) else None
    if content[4:8] == b"ftyp" and content[8:12] in _M4A_BRANDS:
        return M4A
    if _mp3_frame(content, _id3_end(content)):
        return MP3
    return None
