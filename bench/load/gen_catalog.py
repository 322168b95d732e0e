#!/usr/bin/env python3
"""Writes a synthetic table of tracks in the layout of the public Spotify tracks dataset.

    gen_catalog.py OUT.csv [--tracks 100000] [--seed 20241122]

Columns (as in the dataset, with its unnamed row-number column first):
    ,track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,
    energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,
    time_signature,track_genre

Deterministic for a given seed and size: the same file, byte for byte, on every machine.
Titles, artists and albums are built from an English word list with a Zipf-like choice of
words, so search words range from rare to very common (as real titles do: "love" is in
thousands of them); each artist has about ten tracks over two or three albums, and about one
track in eight has a second artist. Ids are 22 random base62 characters, like Spotify's.
"""

import argparse
import csv
import random
import sys

WORDS = """
love night heart baby girl time life world dream fire light rain day summer blue home
away dance sun moon star sky river road city song sweet wild gold forever tonight
little young free lost alone back down crazy heaven angel ocean storm shadow thunder
silver diamond paper glass stone rose wine honey sugar midnight morning evening winter
autumn spring highway freedom memory story secret stranger lover friend brother sister
mother father children people ghost devil soul spirit body mind eyes hands lips kiss
touch fever hunger thirst blood tears smile laugh cry whisper scream echo silence noise
rhythm beat drum guitar piano radio television telephone letter window door mirror
bridge tower castle garden forest mountain valley desert island harbour shore wave tide
wind breeze cloud snow ice flame smoke ash dust rust iron steel velvet satin lace
neon electric magnetic cosmic atomic golden broken burning falling rising running
walking talking dancing dreaming waiting shining fading crying flying driving hiding
slow fast high low deep dark bright cold warm hot empty full open closed last first
only every never always maybe somewhere nowhere everywhere tomorrow yesterday today
again together apart inside outside under over beyond between around through without
red green black white purple orange yellow grey pink violet crimson scarlet amber
hollow shallow narrow endless restless fearless careless hopeless helpless breathless
paradise kingdom empire nation country village street avenue boulevard station train
plane ship boat engine machine robot rocket planet galaxy universe orbit comet meteor
tiger lion wolf bear eagle raven dove sparrow butterfly spider snake horse dragon
queen king prince princess soldier sailor pilot driver dancer singer poet painter
hunter thief liar saint sinner rebel hero villain captain doctor teacher preacher
coffee whiskey cigarette candy cherry lemon apple peach orange berry vanilla cinnamon
monday friday saturday sunday january april june july august october december
one two three four five seven ten hundred thousand million
rock roll blues soul funk jazz disco house techno reggae country gospel ballad anthem
party holiday weekend vacation birthday wedding funeral sunrise sunset twilight dawn
""".split()

FIRST_NAMES = """
Ada Alex Amara Anna Ben Bianca Carlos Chloe Dana David Elena Eli Emma Felix Frida Gabe
Grace Hana Hugo Iris Ivan Jada Jonas Julia Kai Kenji Lara Leo Lena Luca Maya Milo Nadia
Nico Nina Omar Otis Paula Quinn Rosa Ruben Sara Sami Tara Theo Uma Vera Wes Yara Zane Zoe
""".split()

LAST_NAMES = """
Abbott Baker Becker Brooks Carter Castillo Cohen Diaz Dubois Ellis Evans Fischer Flores
Garcia Gray Hansen Hayes Ito Jensen Kim Klein Lambert Larsen Lopez Meyer Moreau Murphy
Nakamura Novak Olsen Park Patel Perez Quinn Reyes Rossi Santos Sato Schmidt Silva Stone
Suzuki Tanaka Torres Vargas Walsh Weber Young Zimmer
""".split()

SYLLABLES = "ka ro mi sa lu ne ta vi do re la zo fa ni mo be ra su ki to".split()

GENRES = """
acoustic afrobeat alt-rock alternative ambient anime black-metal bluegrass blues
brazil breakbeat british cantopop chicago-house children chill classical club comedy
country dance dancehall death-metal deep-house detroit-techno disco disney
drum-and-bass dub dubstep edm electro electronic emo folk forro french funk garage
german gospel goth grindcore groove grunge guitar happy hard-rock hardcore hardstyle
heavy-metal hip-hop honky-tonk house idm indian indie indie-pop industrial
iranian j-dance j-idol j-pop j-rock jazz k-pop kids latin latino malay mandopop metal
metalcore minimal-techno mpb new-age opera pagode party piano pop pop-film power-pop
progressive-house psych-rock punk punk-rock r-n-b reggae reggaeton rock rock-n-roll
rockabilly romance sad salsa samba sertanejo show-tunes singer-songwriter ska sleep
songwriter soul spanish study swedish synth-pop tango techno trance trip-hop turkish
world-music
""".split()

BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

HEADER = ["", "track_id", "artists", "album_name", "track_name", "popularity", "duration_ms",
          "explicit", "danceability", "energy", "key", "loudness", "mode", "speechiness",
          "acousticness", "instrumentalness", "liveness", "valence", "tempo", "time_signature",
          "track_genre"]


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        # Zipf-like weights (Zipf-Mandelbrot, offset 10): the first words of the list are the
        # most common, "love" in about 6% of titles, the rarest words in a few hundred tracks.
        self.word_weights = [1.0 / (rank + 10) for rank in range(len(WORDS))]
        self.ids = set()

    def word(self):
        return self.rng.choices(WORDS, weights=self.word_weights)[0]

    def phrase(self, lo, hi):
        words = []
        for _ in range(self.rng.randint(lo, hi)):
            w = self.word()
            if w not in words:
                words.append(w)
        return " ".join(w.capitalize() if i == 0 or len(w) > 3 else w
                        for i, w in enumerate(words))

    def track_id(self):
        while True:
            tid = "".join(self.rng.choice(BASE62) for _ in range(22))
            if tid not in self.ids:
                self.ids.add(tid)
                return tid

    def artist_name(self, taken):
        while True:
            kind = self.rng.random()
            if kind < 0.4:
                name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            elif kind < 0.6:
                name = f"The {self.word().capitalize()} {self.word().capitalize()}s"
            elif kind < 0.8:
                name = self.phrase(1, 2)
            else:
                name = "".join(self.rng.choice(SYLLABLES)
                               for _ in range(self.rng.randint(2, 3))).capitalize()
            if name not in taken:
                taken.add(name)
                return name

    def title(self):
        t = self.phrase(1, 4)
        r = self.rng.random()
        if r < 0.03:
            t += " - Remastered " + str(self.rng.randint(1995, 2022))
        elif r < 0.05:
            t += " (Live)"
        return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--tracks", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=20241122)
    args = ap.parse_args()

    g = Generator(args.seed)
    rng = g.rng
    n_artists = max(1, args.tracks // 10)
    taken = set()
    artists = [g.artist_name(taken) for _ in range(n_artists)]
    genre_of = [rng.choice(GENRES) for _ in range(n_artists)]
    albums = [[g.phrase(1, 3) for _ in range(rng.randint(2, 3))] for _ in range(n_artists)]

    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for i in range(args.tracks):
            a = rng.randrange(n_artists)
            credit = [artists[a]]
            if rng.random() < 0.125:
                other = artists[rng.randrange(n_artists)]
                if other != artists[a]:
                    credit.append(other)
            title = g.title()
            if len(credit) > 1 and rng.random() < 0.5:
                title += f" (feat. {credit[1]})"
            speech = rng.betavariate(1.2, 12)
            w.writerow([
                i,
                g.track_id(),
                ";".join(credit),
                rng.choice(albums[a]),
                title,
                min(100, int(rng.expovariate(1 / 30))),
                rng.randint(90000, 420000),
                "True" if rng.random() < 0.09 else "False",
                round(rng.betavariate(5, 3), 3),
                round(rng.betavariate(4, 2.5), 3),
                rng.randint(-1, 11) if rng.random() < 0.02 else rng.randint(0, 11),
                round(-rng.gammavariate(3, 2.6), 3),
                1 if rng.random() < 0.63 else 0,
                round(speech, 4),
                round(rng.betavariate(0.6, 1.4), 4),
                round(rng.betavariate(0.3, 1.5), 4),
                round(rng.betavariate(1.5, 6), 4),
                round(rng.betavariate(2.2, 2.2), 3),
                round(rng.uniform(60, 200), 3),
                rng.choices([3, 4, 5, 1], weights=[8, 88, 3, 1])[0],
                genre_of[a],
            ])
    print(f"{args.out}: {args.tracks} tracks, {n_artists} artists", file=sys.stderr)


if __name__ == "__main__":
    main()
