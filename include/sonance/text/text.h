// Text processing for ESA, scenes and lyrics search: UTF-8 aware tokenising, sentence
// splitting, English stop words and Snowball stemming (libstemmer's English stemmer).
//
// Input must be valid UTF-8: functions that take raw text return InvalidArgument for
// malformed bytes (ValidateText), never silently produce garbage. Thread-safe: stemming
// uses one libstemmer instance per thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sonance/common/status.h"

namespace sonance::text {

// InvalidArgument naming the byte offset of the first malformed UTF-8 sequence, else Ok.
Status ValidateText(std::string_view s);

// Words: maximal runs of letters and digits (Unicode letters, so "café" and "naïve" are one
// word each; an apostrophe or hyphen inside a word joins it: "don't", "well-known"),
// case-folded. Everything else separates words.
std::vector<std::string> Tokenize(std::string_view s);

// Sentences: split after '.', '!', '?' (and runs of them, with closing quotes/brackets)
// followed by whitespace, and at blank lines; common abbreviations ("Mr.", "Dr.", "St.",
// "e.g.", single capital initials) do not end a sentence. Each sentence is trimmed; empty
// ones are dropped. Offsets are not kept.
std::vector<std::string> SplitSentences(std::string_view s);

// True for an English stop word (case-folded input), from a fixed list of common function
// words (the Snowball English stop list).
bool IsStopWord(std::string_view folded_word);

// The Snowball English stem of a case-folded word ("running" -> "run").
std::string Stem(std::string_view folded_word);

// The index terms of a text: Tokenize, drop stop words and tokens without a letter, Stem.
std::vector<std::string> Terms(std::string_view s);

}  // namespace sonance::text
