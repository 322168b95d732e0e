#!/usr/bin/env python3
"""Tempo, key and time-signature accuracy of Sonance on rendered Nottingham folk tunes.

Each tune of the Nottingham Music Database (ABC notation) gets its own tempo, drawn with a
fixed seed from 60..200 beats per minute and written as a `Q:` line just before the tune's
`K:` line (`Q:1/4=N` in simple meters, `Q:3/8=N` in compound ones, where the felt beat is the
dotted quarter). The tune is rendered with abc2midi and fluidsynth, and the ground truth is
read back from what was rendered: the tempo from the MIDI file's tempo meta event, the key and
mode from `K:`, the meter from `M:`. Each WAV is then analysed either by `sonance features
FILE` (the audio-features JSON object) or by the small `rhythm_probe` driver, and scored:

  tempo Acc1      estimate within 4% of the ground truth (MIREX)
  tempo Acc2      the same, also accepting x2, x1/2, x3 and x1/3 (MIREX)
  key score       MIREX weighted score as in mir_eval: 1.0 same key, 0.5 estimate a perfect
                  fifth above the reference in the same mode, 0.3 relative, 0.2 parallel
  time signature  exact, on simple meters only (3/4 -> 3; 2/4, 4/4, 2/2 -> 4)

Standard library only. Rendered audio is cached (keyed by tune, tempo and renderer) so that
runs while iterating on the analysis only pay for the analysis.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import hashlib
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
RENDER_RATE = 22050
PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
KEY_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
MINOR_MODES = ("m", "min", "minor", "aeo", "dor", "phr", "loc")
MAJOR_MODES = ("", "maj", "major", "ion", "mix", "lyd")


@dataclass
class Tune:
    source: str      # file name, e.g. jigs.abc
    number: int      # X: number
    title: str
    header: list[str]  # lines up to (excluding) the first K:
    body: list[str]    # from the first K: on
    meter: str         # meter in effect when the music starts, e.g. "6/8"
    meter_changes: bool  # another meter appears later in the tune
    key_text: str      # the first K: value, e.g. "Ador"
    bpm_drawn: int = 0

    @property
    def ident(self) -> str:
        return f"{Path(self.source).stem}-{self.number:03d}"


@dataclass
class Outcome:
    ident: str
    title: str
    meter: str
    meter_changes: bool
    drawn_bpm: int
    true_bpm: float = 0.0
    true_key: int = -1
    true_mode: int = -1
    true_time_signature: int = 0  # 0: not scored (compound or unusual meter)
    est_bpm: float = 0.0
    est_key: int | None = None
    est_mode: int | None = None
    est_time_signature: int = 0
    acc1: bool = False
    acc2: bool = False
    key_score: float | None = None
    ts_correct: bool | None = None
    seconds_audio: float = 0.0
    seconds_analysis: float = 0.0  # CPU time of the analyser process
    seconds_rhythm: float | None = None  # CPU time of the rhythm step alone (rhythm_probe)
    error: str = ""


# ---------------------------------------------------------------------------------------------
# ABC parsing


def parse_tunes(path: Path) -> list[Tune]:
    tunes: list[Tune] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            t = parse_tune(path.name, block)
            if t is not None:
                tunes.append(t)

    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("X:"):
            flush()
            block = [line]
        elif block:
            block.append(line)
    flush()
    return tunes


def parse_meter(value: str) -> str:
    value = value.strip().split("%")[0].strip()
    if value == "C":
        return "4/4"
    if value == "C|":
        return "2/2"
    return value.replace(" ", "")


def parse_tune(source: str, lines: list[str]) -> Tune | None:
    number = int(re.sub(r"\D", "", lines[0][2:]) or 0)
    title = ""
    k_index = None
    meter = "4/4"
    for i, line in enumerate(lines):
        if line.startswith("T:") and not title:
            title = line[2:].strip()
        if line.startswith("M:"):
            meter = parse_meter(line[2:])
        if line.startswith("K:"):
            k_index = i
            break
    if k_index is None:
        return None
    key_text = lines[k_index][2:].split("%")[0].strip()
    # Header-like lines right after K: (before any music) still set the opening meter.
    meters_later: set[str] = set()
    music_started = False
    for line in lines[k_index + 1:]:
        field_line = re.match(r"^([A-Za-z]):", line)
        if field_line and field_line.group(1) == "M":
            if music_started:
                meters_later.add(parse_meter(line[2:]))
            else:
                meter = parse_meter(line[2:])
            continue
        if field_line or line.startswith("%") or not line.strip():
            continue
        music_started = True
        for inline in re.findall(r"\[M:([^\]]*)\]", line):
            meters_later.add(parse_meter(inline))
    return Tune(source=source, number=number, title=title, header=lines[:k_index],
                body=lines[k_index:], meter=meter,
                meter_changes=bool(meters_later - {meter}), key_text=key_text)


def is_compound(meter: str) -> bool:
    try:
        num, den = (int(x) for x in meter.split("/"))
    except ValueError:
        return False
    return den == 8 and num in (6, 9, 12)


def true_time_signature(meter: str) -> int:
    """Beats per bar as Spotify counts them, or 0 when the meter is not scored."""
    return {"3/4": 3, "2/4": 4, "4/4": 4, "2/2": 4}.get(meter, 0)


def parse_key(text: str) -> tuple[int, int] | None:
    """(pitch class, mode) from an ABC K: value; mode 1 major, 0 minor. None if unknown.

    Modal keys keep their tonic: dorian, phrygian, aeolian and locrian count as minor,
    ionian, mixolydian and lydian as major (data/README.md)."""
    m = re.match(r"^([A-Ga-g])([#b]?)\s*([A-Za-z]*)", text.strip())
    if not m:
        return None
    pc = (PITCH_CLASSES[m.group(1).upper()] + {"#": 1, "b": -1, "": 0}[m.group(2)]) % 12
    mode = m.group(3).lower()
    if mode in ("m", "min", "minor") or mode[:3] in ("aeo", "dor", "phr", "loc"):
        return pc, 0
    if mode == "" or mode[:3] in ("maj", "ion", "mix", "lyd"):
        return pc, 1
    return None


def tune_text_with_tempo(tune: Tune) -> str:
    q = f"Q:3/8={tune.bpm_drawn}" if is_compound(tune.meter) else f"Q:1/4={tune.bpm_drawn}"
    header = [line for line in tune.header if not line.startswith("Q:")]
    return "\n".join(header + [q] + tune.body) + "\n"


# ---------------------------------------------------------------------------------------------
# MIDI


def midi_quarter_bpm(path: Path) -> float:
    """Quarter-note tempo of the first Set Tempo meta event (120 if there is none)."""
    data = path.read_bytes()
    if data[:4] != b"MThd":
        raise ValueError(f"{path}: not a MIDI file")
    pos = 8 + int.from_bytes(data[4:8], "big")
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "big")
        pos += 8
        if chunk == b"MTrk":
            tempo = first_tempo_in_track(data[pos:pos + size])
            if tempo:
                return 60_000_000.0 / tempo
        pos += size
    return 120.0


def read_varlen(buf: bytes, i: int) -> tuple[int, int]:
    value = 0
    while True:
        b = buf[i]
        i += 1
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            return value, i


def first_tempo_in_track(track: bytes) -> int | None:
    i, running = 0, 0
    while i < len(track):
        _, i = read_varlen(track, i)
        status = track[i]
        if status == 0xFF:
            kind, length_start = track[i + 1], i + 2
            length, i = read_varlen(track, length_start)
            if kind == 0x51 and length == 3:
                return int.from_bytes(track[i:i + 3], "big")
            i += length
        elif status in (0xF0, 0xF7):
            length, i = read_varlen(track, i + 1)
            i += length
        else:
            if status & 0x80:
                running = status
                i += 1
            data_bytes = 1 if (running & 0xF0) in (0xC0, 0xD0) else 2
            i += data_bytes
    return None


# ---------------------------------------------------------------------------------------------
# Rendering and analysis


def render(tune: Tune, cache: Path) -> tuple[Path, Path]:
    text = tune_text_with_tempo(tune)
    digest = hashlib.sha1((text + SOUNDFONT + str(RENDER_RATE)).encode()).hexdigest()[:12]
    stem = cache / f"{tune.ident}-{tune.bpm_drawn}-{digest}"
    wav, mid = stem.with_suffix(".wav"), stem.with_suffix(".mid")
    if wav.exists() and mid.exists():
        return wav, mid
    abc = stem.with_suffix(".abc")
    abc.write_text(text, encoding="latin-1")
    subprocess.run(["abc2midi", str(abc), "-o", str(mid)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    if not mid.exists():
        raise RuntimeError("abc2midi produced no MIDI file")
    tmp = stem.with_suffix(".tmp.wav")
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.6", "-F", str(tmp), "-r",
                    str(RENDER_RATE), SOUNDFONT, str(mid)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    tmp.rename(wav)
    return wav, mid


def wav_seconds(path: Path) -> float:
    data = path.read_bytes()[:4096]
    i, channels, rate, bits = 12, 0, 0, 0
    while i + 8 <= len(data):
        cid, size = data[i:i + 4], int.from_bytes(data[i + 4:i + 8], "little")
        if cid == b"fmt ":
            channels = int.from_bytes(data[i + 10:i + 12], "little")
            rate = int.from_bytes(data[i + 12:i + 16], "little")
            bits = int.from_bytes(data[i + 22:i + 24], "little")
        if cid == b"data":
            frame = channels * bits // 8
            total = path.stat().st_size - (i + 8)
            return min(size, total) / frame / rate if frame and rate else 0.0
        i += 8 + size + (size & 1)
    return 0.0


def analyse(command: list[str], wav: Path) -> tuple[dict, float]:
    """Runs the analyser on one file; returns its features and the CPU seconds it used."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command + [str(wav)], stdout=subprocess.PIPE, stderr=err)
        out = proc.stdout.read().decode() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"analyser exit {proc.returncode}: "
                               f"{err.read().decode(errors='replace').strip()[:200]}")
    cpu = usage.ru_utime + usage.ru_stime
    value = json.loads(out[min(i for i in (out.find("{"), out.find("["), len(out)) if i >= 0):])
    if isinstance(value, list):
        value = value[0]
    if "audio_features" in value:
        value = value["audio_features"]
    return value, cpu


def within(est: float, ref: float, tol: float) -> bool:
    return ref > 0 and abs(est - ref) <= tol * ref


def key_score(ref_key: int, ref_mode: int, est_key: int, est_mode: int) -> float:
    if est_key < 0:
        return 0.0
    if est_key == ref_key and est_mode == ref_mode:
        return 1.0
    if est_mode == ref_mode and (est_key - ref_key) % 12 == 7:
        return 0.5
    if ref_mode == 1 and est_mode == 0 and (est_key - ref_key) % 12 == 9:
        return 0.3
    if ref_mode == 0 and est_mode == 1 and (est_key - ref_key) % 12 == 3:
        return 0.3
    if est_key == ref_key and est_mode != ref_mode:
        return 0.2
    return 0.0


def process(tune: Tune, cache: Path, command: list[str], tol: float) -> Outcome:
    o = Outcome(ident=tune.ident, title=tune.title, meter=tune.meter,
                meter_changes=tune.meter_changes, drawn_bpm=tune.bpm_drawn)
    try:
        wav, mid = render(tune, cache)
        quarter = midi_quarter_bpm(mid)
        o.true_bpm = quarter * 2.0 / 3.0 if is_compound(tune.meter) else quarter
        key = parse_key(tune.key_text)
        if key:
            o.true_key, o.true_mode = key
        o.true_time_signature = 0 if tune.meter_changes else true_time_signature(tune.meter)
        o.seconds_audio = wav_seconds(wav)
        features, o.seconds_analysis = analyse(command, wav)
        o.est_bpm = float(features.get("tempo", 0.0))
        if "rhythm_cpu_seconds" in features:
            o.seconds_rhythm = float(features["rhythm_cpu_seconds"])
        o.est_time_signature = int(features.get("time_signature", 0))
        if "key" in features and "mode" in features:
            o.est_key, o.est_mode = int(features["key"]), int(features["mode"])
        o.acc1 = within(o.est_bpm, o.true_bpm, tol)
        o.acc2 = any(within(o.est_bpm, o.true_bpm * f, tol) for f in (1, 2, 0.5, 3, 1 / 3))
        if o.est_key is not None and o.true_key >= 0:
            o.key_score = key_score(o.true_key, o.true_mode, o.est_key, o.est_mode)
        if o.true_time_signature:
            o.ts_correct = o.est_time_signature == o.true_time_signature
    except Exception as e:  # one failed tune must not end the benchmark
        o.error = f"{type(e).__name__}: {e}"
    return o


# ---------------------------------------------------------------------------------------------
# Reporting


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarise(outcomes: list[Outcome]) -> dict:
    ok = [o for o in outcomes if not o.error]

    def group(rows: list[Outcome]) -> dict:
        ts = [o for o in rows if o.ts_correct is not None]
        keys = [o.key_score for o in rows if o.key_score is not None]
        return {
            "tunes": len(rows),
            "acc1": mean([float(o.acc1) for o in rows]),
            "acc2": mean([float(o.acc2) for o in rows]),
            "key_score": mean(keys),
            "key_tunes": len(keys),
            "time_signature_accuracy": mean([float(bool(o.ts_correct)) for o in ts]),
            "time_signature_tunes": len(ts),
        }

    by_meter: dict[str, list[Outcome]] = {}
    for o in ok:
        by_meter.setdefault(o.meter, []).append(o)
    audio = sum(o.seconds_audio for o in ok)
    spent = sum(o.seconds_analysis for o in ok)
    rhythm = [o.seconds_rhythm for o in ok if o.seconds_rhythm is not None]
    return {
        "all": group(ok),
        "by_meter": {m: group(rows) for m, rows in sorted(by_meter.items())},
        "failed": len(outcomes) - len(ok),
        "audio_seconds": audio,
        "analysis_cpu_seconds": spent,
        "realtime_factor": audio / spent if spent else None,
        "rhythm_cpu_seconds_per_audio_minute":
            60.0 * sum(rhythm) / audio if rhythm and len(rhythm) == len(ok) and audio else None,
    }


def fmt(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def print_table(summary: dict, out=sys.stdout) -> None:
    print(f"{'group':<10} {'tunes':>5} {'Acc1':>6} {'Acc2':>6} {'key':>6} {'TS acc':>6} "
          f"{'TS n':>5}", file=out)
    rows = [("all", summary["all"])] + list(summary["by_meter"].items())
    for name, g in rows:
        print(f"{name:<10} {g['tunes']:>5} {fmt(g['acc1'])} {fmt(g['acc2'])} "
              f"{fmt(g['key_score'])} {fmt(g['time_signature_accuracy'])} "
              f"{g['time_signature_tunes']:>5}", file=out)
    rf = summary["realtime_factor"]
    print(f"failed: {summary['failed']}; audio {summary['audio_seconds'] / 60:.1f} min; "
          f"analyser CPU {summary['analysis_cpu_seconds']:.1f} s (process start and decoding "
          f"included)" + (f", {rf:.0f}x real time per core" if rf else ""), file=out)
    if summary["rhythm_cpu_seconds_per_audio_minute"] is not None:
        print(f"rhythm step alone: {summary['rhythm_cpu_seconds_per_audio_minute']:.3f} s CPU "
              f"per minute of audio", file=out)


def main() -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, help="folder with the Nottingham *.abc files")
    ap.add_argument("--limit", type=int, default=0, help="analyse a seeded sample of N tunes")
    ap.add_argument("--seed", type=int, default=20240601, help="seed for tempi and the sample")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/sonance-accuracy-cache"),
                    help="where rendered MIDI/WAV files are kept between runs")
    ap.add_argument("--analyzer", choices=("auto", "sonance", "probe"), default="auto",
                    help="`sonance features FILE` or the rhythm_probe driver")
    ap.add_argument("--sonance", type=Path, help="path of the sonance binary")
    ap.add_argument("--probe", type=Path, help="path of the rhythm_probe binary")
    ap.add_argument("--jobs", type=int, default=2, help="parallel render/analysis processes")
    ap.add_argument("--tolerance", type=float, default=0.04, help="tempo tolerance (MIREX 4%%)")
    ap.add_argument("--out", type=Path, default=here.parent / "results" / "accuracy.json")
    ap.add_argument("--verbose", action="store_true", help="print every tune that misses")
    ap.add_argument("--render-only", action="store_true", help="fill the cache and stop")
    args = ap.parse_args()

    for tool in ("abc2midi", "fluidsynth"):
        if not shutil.which(tool):
            print(f"missing tool: {tool} (run scripts/setup.sh)", file=sys.stderr)
            return 2
    command = [] if args.render_only else choose_analyzer(args)
    if command is None:
        return 2

    tunes: list[Tune] = []
    for path in sorted(args.data.glob("*.abc")):
        tunes.extend(parse_tunes(path))
    if not tunes:
        print(f"no tunes under {args.data}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    for t in tunes:  # tempo per tune, independent of --limit
        t.bpm_drawn = rng.randint(60, 200)
    if args.limit and args.limit < len(tunes):
        tunes = sorted(random.Random(args.seed + 1).sample(tunes, args.limit),
                       key=lambda t: (t.source, t.number))
    args.cache.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    if args.render_only:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(lambda t: render(t, args.cache), tunes))
        print(f"rendered {len(tunes)} tunes into {args.cache} in "
              f"{time.perf_counter() - started:.0f} s")
        return 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda t: process(t, args.cache, command, args.tolerance),
                                 tunes))
    summary = summarise(outcomes)
    print(f"Nottingham accuracy: {len(tunes)} tunes, seed {args.seed}, analyser "
          f"{' '.join(command)}")
    print_table(summary)
    if args.verbose:
        for o in outcomes:
            if o.error or not o.acc1 or o.ts_correct is False:
                print(f"  {o.ident:<14} {o.meter:<5} true {o.true_bpm:6.1f} est {o.est_bpm:6.1f}"
                      f" ts {o.true_time_signature}/{o.est_time_signature} {o.error}")
    result = {
        "benchmark": "nottingham-accuracy",
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"node": platform.node(), "processor": platform.processor() or
                    platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "data": str(args.data),
        "seed": args.seed,
        "limit": args.limit,
        "analyzer": command,
        "tolerance": args.tolerance,
        "elapsed_seconds": time.perf_counter() - started,
        "summary": summary,
        "tunes": [asdict(o) for o in outcomes],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"results written to {args.out}")
    return 0


def choose_analyzer(args: argparse.Namespace) -> list[str] | None:
    root = Path(__file__).resolve().parents[2]

    def first_existing(candidates: list[Path]) -> Path | None:
        """The most recently built of the candidates (several build directories may exist)."""
        found = [p for p in candidates if p.is_file() and os.access(p, os.X_OK)]
        return max(found, key=lambda p: p.stat().st_mtime) if found else None

    builds = sorted(root.glob("build*"))
    sonance = args.sonance or first_existing([b / "sonance" for b in builds])
    probe = args.probe or first_existing([b / "bench" / "accuracy" / "rhythm_probe"
                                          for b in builds])
    if args.analyzer in ("auto", "sonance") and sonance and sonance_has_features(sonance):
        return [str(sonance), "features"]
    if args.analyzer == "sonance":
        print("no `sonance` binary with a `features` command (use --sonance)", file=sys.stderr)
        return None
    if probe:
        return [str(probe)]
    print("no rhythm_probe binary found (build target rhythm_probe or use --probe)",
          file=sys.stderr)
    return None


def sonance_has_features(binary: Path) -> bool:
    try:
        proc = subprocess.run([str(binary), "features", "--help"], capture_output=True,
                              text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and "features" in (proc.stdout + proc.stderr).lower()


if __name__ == "__main__":
    sys.exit(main())
