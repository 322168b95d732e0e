#include "sonance/server/catalog_view.h"

#include <gtest/gtest.h>

namespace sonance {
namespace {

TrackRecord Track(std::int64_t rowid, std::string title, std::vector<std::string> artists,
                  std::string album = "", std::string source = "analyzed") {
  TrackRecord r;
  r.rowid = rowid;
  r.id = TrackIdForPath("/t/" + std::to_string(rowid));
  r.path = "/t/" + std::to_string(rowid);
  r.tags.title = std::move(title);
  r.tags.artists = std::move(artists);
  r.tags.album = std::move(album);
  r.source = std::move(source);
  return r;
}

TEST(ParseSearchQueryTest, SplitsFreeWordsAndFieldFilters) {
  auto q = ParseSearchQuery("Bohemian artist:\"The Queen\" album:opera year:1970-1979 genre:rock");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->words, std::vector<std::string>{"bohemian"});
  EXPECT_EQ(q->artist_words, std::vector<std::string>{"queen"});
  EXPECT_EQ(q->album_words, std::vector<std::string>{"opera"});
  EXPECT_EQ(q->genre_words, std::vector<std::string>{"rock"});
  EXPECT_EQ(q->year_from, 1970);
  EXPECT_EQ(q->year_to, 1979);
  auto single = ParseSearchQuery("year:1999");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->year_from, 1999);
  EXPECT_EQ(single->year_to, 1999);
  // An unknown field is just words.
  auto other = ParseSearchQuery("mood:happy");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->words, (std::vector<std::string>{"mood", "happy"}));
}

TEST(ParseSearchQueryTest, RejectsEmptyQueriesAndBadYears) {
  EXPECT_EQ(ParseSearchQuery("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSearchQuery("   !? ").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseSearchQuery("year:1980-1970").ok());
  EXPECT_FALSE(ParseSearchQuery("year:abc").ok());
  EXPECT_FALSE(ParseSearchQuery("year:").ok());
}

TEST(CatalogSnapshotTest, FindByNamePrefersAnalysedThenSplitsArtistDashTitle) {
  std::vector<TrackRecord> tracks = {Track(1, "Song 2", {"Blur"}, "", "imported"),
                                     Track(2, "Song 2", {"Blur"}),
                                     Track(3, "Song 2", {"Other Band"})};
  std::vector<std::pair<std::int64_t, AudioFeatures>> features = {{2, AudioFeatures{}}};
  CatalogSnapshot snap(tracks, features, CatalogCounts{3, 3, 0, 0});
  auto all = snap.FindByName("song 2", "");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->record.rowid, 2);  // analysed, with features
  auto blur = snap.FindByName("Song 2", "blur");
  ASSERT_EQ(blur.size(), 2u);
  auto dashed = snap.FindByName("Other Band - Song 2", "");
  ASSERT_EQ(dashed.size(), 1u);
  EXPECT_EQ(dashed[0]->record.rowid, 3);
  auto reversed = snap.FindByName("Song 2 - Other Band", "");
  ASSERT_EQ(reversed.size(), 1u);
  EXPECT_EQ(reversed[0]->record.rowid, 3);
  EXPECT_TRUE(snap.FindByName("Song 3", "").empty());
  EXPECT_EQ(snap.ById(tracks[1].id)->record.rowid, 2);
  EXPECT_EQ(snap.ById("nope"), nullptr);
}

TEST(CatalogSnapshotTest, SuggestRanksTyposFirstAndSearchIsDeterministic) {
  std::vector<TrackRecord> tracks = {Track(1, "Wonderwall", {"Oasis"}),
                                     Track(2, "Wonderful Life", {"Black"}),
                                     Track(3, "Yellow", {"Coldplay"})};
  CatalogSnapshot snap(tracks, {}, CatalogCounts{3, 3, 0, 0});
  auto s = snap.Suggest("Wonderwal", "", 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].track->record.rowid, 1);
  EXPECT_GT(s[0].score, s[1].score);
  auto q = ParseSearchQuery("wonderwall");
  ASSERT_TRUE(q.ok());
  auto page = snap.Search(*q, 0, 10);
  ASSERT_EQ(page.total, 1u);
  EXPECT_EQ(page.items[0]->record.rowid, 1);
  auto offset_past_end = snap.Search(*q, 5, 10);
  EXPECT_EQ(offset_past_end.total, 1u);
  EXPECT_TRUE(offset_past_end.items.empty());
}

}  // namespace
}  // namespace sonance
