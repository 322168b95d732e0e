// Forgiving matching of track titles and artist names, as a person expects it.
//
// NormalizeName() maps the many ways one name gets written onto one key: case is folded,
// accents are removed (Beyoncé = Beyonce, Motörhead = Motorhead, ß = ss), apostrophes vanish
// (Don't = Dont), other punctuation becomes a word break, "&" reads "and", a featured-artist
// credit ("(feat. X)", "[ft. X]", " featuring X") is dropped, and a leading "The " is ignored
// (The Beatles = Beatles). NameSimilarity() scores two normalised names from 0 to 1 for
// ranking suggestions after a miss.
//
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sonance {

// The matching key of a title or an artist name; words separated by single spaces.
std::string NormalizeName(std::string_view name);

// Similarity of two normalised names in [0, 1]: 1 for equal keys; otherwise the larger of
// the character-trigram Dice coefficient and the Levenshtein ratio, so that both a typo
// ("Bohemian Rapsody") and a missing word score high.
double NameSimilarity(std::string_view a, std::string_view b);

// Splits an artist credit into names: "A feat. B", "A ft. B", "A featuring B", "A; B" and
// "A / B" separate artists; commas and "&" do not (band names contain them).
std::vector<std::string> SplitArtistCredit(std::string_view credit);

}  // namespace sonance
