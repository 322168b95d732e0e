#include "sonance/text/esa.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "sonance/common/paths.h"
#include "sonance/common/utf8.h"
#include "sonance/text/text.h"

namespace sonance {

namespace fs = std::filesystem;

namespace {

// ---- file layout ---------------------------------------------------------------------------
//
//   Header (fixed size)
//   u32 title_offsets[concepts + 1]  byte offsets into the title blob
//   char title_blob[]
//   TermEntry terms[terms]           sorted by term text (bytewise)
//   char term_blob[]
//   Posting postings[]               per term, by descending weight
//   char corpus_name[]
// Sections start at multiples of 8. All integers little-endian (the only byte order of the
// machines Sonance builds for; the magic would not match on another).

constexpr char kMagic[8] = {'S', 'O', 'N', 'E', 'S', 'A', '0', '1'};
constexpr std::uint32_t kVersion = 1;

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t concepts;
  std::uint32_t terms;
  std::uint32_t corpus_name_len;
  std::uint64_t title_offsets_pos;
  std::uint64_t title_blob_pos;
  std::uint64_t terms_pos;
  std::uint64_t term_blob_pos;
  std::uint64_t postings_pos;
  std::uint64_t postings_count;
  std::uint64_t corpus_name_pos;
  std::uint64_t file_size;
};

struct TermEntry {
  std::uint32_t text_offset;
  std::uint32_t text_len;
  std::uint64_t postings_offset;  // index into postings
  std::uint32_t postings_count;
  float idf;
};

struct Posting {
  std::uint32_t concept_id;
  float weight;
};

static_assert(sizeof(TermEntry) == 24);
static_assert(sizeof(Posting) == 8);

std::uint64_t Align8(std::uint64_t n) {
  return (n + 7) & ~std::uint64_t{7};
}

}  // namespace

// ---- build ---------------------------------------------------------------------------------

Result<EsaBuildStats> BuildEsaIndex(const std::vector<EsaConcept>& concepts,
                                    const EsaBuildOptions& options, const fs::path& path,
                                    const std::function<void(std::size_t, std::size_t)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  if (concepts.empty()) return Status::InvalidArgument("the corpus has no concepts");
  if (concepts.size() > std::numeric_limits<std::uint32_t>::max() / 2) {
    return Status::InvalidArgument("the corpus has too many concepts");
  }
  if (options.min_df < 1 || options.max_df_fraction <= 0.0 || options.max_df_fraction > 1.0 ||
      options.prune_window < 1 || options.prune_drop < 0.0) {
    return Status::InvalidArgument(
        "ESA options: min_df >= 1, 0 < max_df_fraction <= 1, prune_window >= 1, "
        "prune_drop >= 0");
  }
  for (std::size_t i = 0; i < concepts.size(); ++i) {
    if (!IsValidUtf8(concepts[i].title) || !IsValidUtf8(concepts[i].text)) {
      return Status::InvalidArgument("concept " + std::to_string(i + 1) + " is not valid UTF-8");
    }
  }

  // Terms of every concept, in parallel: per concept (term, count), terms as ids into a
  // per-thread vocabulary merged afterwards.
  const std::size_t n = concepts.size();
  std::vector<std::vector<std::pair<std::string, std::uint32_t>>> bags(n);
  {
    const unsigned workers = std::max(1U, std::min(8U, std::thread::hardware_concurrency()));
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> done{0};
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < workers; ++w) {
      threads.emplace_back([&] {
        while (true) {
          const std::size_t begin = next.fetch_add(256);
          if (begin >= n) return;
          const std::size_t end = std::min(n, begin + 256);
          for (std::size_t i = begin; i < end; ++i) {
            std::vector<std::string> terms = text::Terms(concepts[i].text);
            std::sort(terms.begin(), terms.end());
            auto& bag = bags[i];
            for (std::size_t k = 0; k < terms.size();) {
              std::size_t j = k;
              while (j < terms.size() && terms[j] == terms[k]) ++j;
              bag.emplace_back(std::move(terms[k]), static_cast<std::uint32_t>(j - k));
              k = j;
            }
          }
          done.fetch_add(end - begin);
        }
      });
    }
    if (progress) {
      while (done.load() < n) {
        progress(done.load(), n);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    for (std::thread& t : threads) t.join();
    if (progress) progress(n, n);
  }

  // Vocabulary and document frequencies.
  std::map<std::string, std::uint32_t> df;
  for (const auto& bag : bags) {
    for (const auto& [term, count] : bag) ++df[term];
  }
  const auto max_df = static_cast<std::uint32_t>(
      std::max(1.0, std::floor(options.max_df_fraction * static_cast<double>(n))));
  std::unordered_map<std::string, std::uint32_t> term_id;
  std::vector<std::string> vocabulary;
  std::vector<float> idf;
  for (const auto& [term, d] : df) {
    if (d < static_cast<std::uint32_t>(options.min_df) || d > max_df) continue;
    term_id.emplace(term, static_cast<std::uint32_t>(vocabulary.size()));
    vocabulary.push_back(term);
    idf.push_back(static_cast<float>(std::log(static_cast<double>(n) / d)));
  }
  df.clear();

  // TF-IDF per concept, scaled to unit length, into per-term posting lists.
  std::vector<std::vector<Posting>> lists(vocabulary.size());
  std::size_t before = 0;
  for (std::size_t c = 0; c < n; ++c) {
    std::vector<std::pair<std::uint32_t, float>> weights;
    double norm = 0.0;
    for (const auto& [term, count] : bags[c]) {
      auto it = term_id.find(term);
      if (it == term_id.end()) continue;
      const float w =
          static_cast<float>(1.0 + std::log(static_cast<double>(count))) * idf[it->second];
      weights.emplace_back(it->second, w);
      norm += static_cast<double>(w) * w;
    }
    bags[c].clear();
    bags[c].shrink_to_fit();
    if (norm <= 0.0) continue;
    const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (const auto& [t, w] : weights) {
      lists[t].push_back({static_cast<std::uint32_t>(c), w * inv});
      ++before;
    }
  }

  // Pruning: descending weights, cut where a window's drop is under prune_drop of the top.
  std::size_t after = 0;
  const auto window = static_cast<std::size_t>(options.prune_window);
  for (auto& list : lists) {
    std::sort(list.begin(), list.end(), [](const Posting& a, const Posting& b) {
      if (a.weight != b.weight) return a.weight > b.weight;
      return a.concept_id < b.concept_id;
    });
    if (!list.empty()) {
      const float top = list.front().weight;
      for (std::size_t i = 0; i + window < list.size(); ++i) {
        if (list[i].weight - list[i + window].weight < options.prune_drop * top) {
          list.resize(i + window);
          break;
        }
      }
    }
    if (list.size() > options.max_concepts_per_term) list.resize(options.max_concepts_per_term);
    after += list.size();
  }

  // Write.
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.concepts = static_cast<std::uint32_t>(n);
  h.terms = static_cast<std::uint32_t>(vocabulary.size());
  h.corpus_name_len = static_cast<std::uint32_t>(options.corpus_name.size());
  std::vector<std::uint32_t> title_offsets(n + 1, 0);
  std::string title_blob;
  for (std::size_t c = 0; c < n; ++c) {
    title_offsets[c] = static_cast<std::uint32_t>(title_blob.size());
    title_blob += concepts[c].title;
  }
  title_offsets[n] = static_cast<std::uint32_t>(title_blob.size());
  std::vector<TermEntry> entries(vocabulary.size());
  std::string term_blob;
  std::uint64_t posting_at = 0;
  for (std::size_t t = 0; t < vocabulary.size(); ++t) {
    entries[t] = {static_cast<std::uint32_t>(term_blob.size()),
                  static_cast<std::uint32_t>(vocabulary[t].size()), posting_at,
                  static_cast<std::uint32_t>(lists[t].size()), idf[t]};
    term_blob += vocabulary[t];
    posting_at += lists[t].size();
  }
  if (title_blob.size() > std::numeric_limits<std::uint32_t>::max() ||
      term_blob.size() > std::numeric_limits<std::uint32_t>::max()) {
    return Status::InvalidArgument("the corpus is too large for the index format");
  }
  std::uint64_t pos = Align8(sizeof(Header));
  h.title_offsets_pos = pos;
  pos = Align8(pos + title_offsets.size() * sizeof(std::uint32_t));
  h.title_blob_pos = pos;
  pos = Align8(pos + title_blob.size());
  h.terms_pos = pos;
  pos = Align8(pos + entries.size() * sizeof(TermEntry));
  h.term_blob_pos = pos;
  pos = Align8(pos + term_blob.size());
  h.postings_pos = pos;
  h.postings_count = posting_at;
  pos = Align8(pos + posting_at * sizeof(Posting));
  h.corpus_name_pos = pos;
  h.file_size = pos + options.corpus_name.size();

  const fs::path tmp = path.string() + ".tmp";
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError("cannot write " + tmp.string());
    auto pad_to = [&](std::uint64_t at) {
      static const char zeros[8] = {};
      const auto here = static_cast<std::uint64_t>(out.tellp());
      if (at > here) out.write(zeros, static_cast<std::streamsize>(at - here));
    };
    out.write(reinterpret_cast<const char*>(&h), sizeof h);
    pad_to(h.title_offsets_pos);
    out.write(reinterpret_cast<const char*>(title_offsets.data()),
              static_cast<std::streamsize>(title_offsets.size() * sizeof(std::uint32_t)));
    pad_to(h.title_blob_pos);
    out.write(title_blob.data(), static_cast<std::streamsize>(title_blob.size()));
    pad_to(h.terms_pos);
    out.write(reinterpret_cast<const char*>(entries.data()),
              static_cast<std::streamsize>(entries.size() * sizeof(TermEntry)));
    pad_to(h.term_blob_pos);
    out.write(term_blob.data(), static_cast<std::streamsize>(term_blob.size()));
    pad_to(h.postings_pos);
    for (const auto& list : lists) {
      out.write(reinterpret_cast<const char*>(list.data()),
                static_cast<std::streamsize>(list.size() * sizeof(Posting)));
    }
    pad_to(h.corpus_name_pos);
    out.write(options.corpus_name.data(), static_cast<std::streamsize>(options.corpus_name.size()));
    out.flush();
    if (!out) return Status::IOError("cannot write " + tmp.string() + " (disk full?)");
  }
  fs::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot move the index to " + path.string() + ": " + ec.message());

  EsaBuildStats stats;
  stats.concepts = n;
  stats.terms = vocabulary.size();
  stats.postings_before_pruning = before;
  stats.postings = after;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

// ---- load and query ------------------------------------------------------------------------

struct EsaIndex::Impl {
  fs::path path;
  const char* base = nullptr;
  std::size_t size = 0;
  Header header{};
  const std::uint32_t* title_offsets = nullptr;
  const char* title_blob = nullptr;
  const TermEntry* terms = nullptr;
  const char* term_blob = nullptr;
  const Posting* postings = nullptr;
  std::string corpus_name;

  ~Impl() {
    if (base != nullptr) ::munmap(const_cast<char*>(base), size);
  }

  std::string_view TermText(std::uint32_t t) const {
    return {term_blob + terms[t].text_offset, terms[t].text_len};
  }
  const TermEntry* Find(std::string_view term) const {
    std::uint32_t lo = 0;
    std::uint32_t hi = header.terms;
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (TermText(mid) < term) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo < header.terms && TermText(lo) == term) return &terms[lo];
    return nullptr;
  }
};

EsaIndex::EsaIndex() : impl_(std::make_unique<Impl>()) {}
EsaIndex::~EsaIndex() = default;

Result<std::shared_ptr<const EsaIndex>> EsaIndex::Load(const fs::path& path) {
  const std::string where = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return Status::NotFound("no ESA index at " + where + " (build one with `sonance esa build`)");
    }
    return Status::IOError("cannot open the ESA index " + where + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IOError("cannot stat " + where);
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < sizeof(Header)) {
    ::close(fd);
    return Status::Corrupt(where + " is not an ESA index (too short)");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED)
    return Status::IOError("cannot map " + where + ": " + std::strerror(errno));
  std::shared_ptr<EsaIndex> index(new EsaIndex());
  Impl& m = *index->impl_;
  m.path = path;
  m.base = static_cast<const char*>(map);
  m.size = size;
  std::memcpy(&m.header, m.base, sizeof(Header));
  const Header& h = m.header;
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
    return Status::Corrupt(where + " is not an ESA index (bad magic)");
  }
  if (h.version != kVersion) {
    return Status::Corrupt(where + ": ESA index version " + std::to_string(h.version) +
                           " (this build reads " + std::to_string(kVersion) + "); rebuild it");
  }
  auto fits = [&](std::uint64_t pos, std::uint64_t bytes) {
    return pos <= size && bytes <= size - pos;
  };
  const bool ok =
      h.file_size == size &&
      fits(h.title_offsets_pos, (std::uint64_t{h.concepts} + 1) * sizeof(std::uint32_t)) &&
      fits(h.terms_pos, std::uint64_t{h.terms} * sizeof(TermEntry)) &&
      fits(h.postings_pos, h.postings_count * sizeof(Posting)) &&
      fits(h.corpus_name_pos, h.corpus_name_len) && h.title_blob_pos <= size &&
      h.term_blob_pos <= size;
  if (!ok) return Status::Corrupt(where + " is truncated or corrupt (section bounds)");
  m.title_offsets = reinterpret_cast<const std::uint32_t*>(m.base + h.title_offsets_pos);
  m.title_blob = m.base + h.title_blob_pos;
  m.terms = reinterpret_cast<const TermEntry*>(m.base + h.terms_pos);
  m.term_blob = m.base + h.term_blob_pos;
  m.postings = reinterpret_cast<const Posting*>(m.base + h.postings_pos);
  m.corpus_name.assign(m.base + h.corpus_name_pos, h.corpus_name_len);
  // Check what queries will trust: blob offsets and posting ranges (cheap: one pass over
  // the term table, not the postings).
  if (!fits(h.title_blob_pos, m.title_offsets[h.concepts])) {
    return Status::Corrupt(where + " is corrupt (titles)");
  }
  const std::uint64_t term_blob_size = h.postings_pos - h.term_blob_pos;
  for (std::uint32_t t = 0; t < h.terms; ++t) {
    const TermEntry& e = m.terms[t];
    if (std::uint64_t{e.text_offset} + e.text_len > term_blob_size ||
        e.postings_offset + e.postings_count > h.postings_count) {
      return Status::Corrupt(where + " is corrupt (term " + std::to_string(t) + ")");
    }
  }
  return std::shared_ptr<const EsaIndex>(std::move(index));
}

// Adds the weighted concept lists of the text's terms into `acc` (zero on entry), listing
// every concept it touches once in `touched`.
void EsaIndex::Accumulate(std::string_view text, std::vector<float>* acc_out,
                          std::vector<std::uint32_t>* touched_out) const {
  const Impl& m = *impl_;
  std::vector<std::string> terms = text::Terms(text);
  std::sort(terms.begin(), terms.end());
  std::vector<float>& acc = *acc_out;
  std::vector<std::uint32_t>& touched = *touched_out;
  if (acc.size() < m.header.concepts) acc.assign(m.header.concepts, 0.0F);
  touched.clear();
  for (std::size_t k = 0; k < terms.size();) {
    std::size_t j = k;
    while (j < terms.size() && terms[j] == terms[k]) ++j;
    const TermEntry* e = m.Find(terms[k]);
    if (e != nullptr) {
      const float w = static_cast<float>(1.0 + std::log(static_cast<double>(j - k))) * e->idf;
      const Posting* p = m.postings + e->postings_offset;
      for (std::uint32_t i = 0; i < e->postings_count; ++i) {
        const std::uint32_t c = p[i].concept_id;
        if (c >= m.header.concepts) continue;
        if (acc[c] == 0.0F) touched.push_back(c);
        acc[c] += w * p[i].weight;
      }
    }
    k = j;
  }
}

SparseVector EsaIndex::Vectorize(std::string_view text, std::size_t max_concepts) const {
  thread_local std::vector<float> acc;
  thread_local std::vector<std::uint32_t> touched;
  Accumulate(text, &acc, &touched);
  std::vector<std::pair<std::uint32_t, float>> pairs;
  pairs.reserve(touched.size());
  for (std::uint32_t c : touched) {
    if (acc[c] != 0.0F) pairs.emplace_back(c, acc[c]);
    acc[c] = 0.0F;
  }
  // The max_concepts largest (ties: smaller id) in linear time, then in id order.
  if (pairs.size() > max_concepts) {
    std::nth_element(pairs.begin(), pairs.begin() + static_cast<std::ptrdiff_t>(max_concepts),
                     pairs.end(), [](const auto& a, const auto& b) {
                       return a.second != b.second ? a.second > b.second : a.first < b.first;
                     });
    pairs.resize(max_concepts);
  }
  std::sort(pairs.begin(), pairs.end());
  SparseVector v;
  v.ids.reserve(pairs.size());
  v.weights.reserve(pairs.size());
  for (const auto& [c, w] : pairs) {
    v.ids.push_back(c);
    v.weights.push_back(w);
  }
  return v;
}

EsaQuery::EsaQuery(const SparseVector& v, std::size_t concepts) : dense_(concepts, 0.0F) {
  for (std::size_t i = 0; i < v.ids.size(); ++i) {
    if (v.ids[i] < concepts) dense_[v.ids[i]] = v.weights[i];
  }
  norm_ = v.Norm();
}

double EsaIndex::Similarity(const EsaQuery& query, std::string_view text) const {
  thread_local std::vector<float> acc;
  thread_local std::vector<std::uint32_t> touched;
  Accumulate(text, &acc, &touched);
  double dot = 0.0;
  double norm2 = 0.0;
  const std::vector<float>& q = query.dense();
  for (std::uint32_t c : touched) {
    const double w = acc[c];
    norm2 += w * w;
    if (c < q.size()) dot += w * q[c];
    acc[c] = 0.0F;
  }
  if (norm2 <= 0.0 || query.norm() <= 0.0) return 0.0;
  return dot / (std::sqrt(norm2) * query.norm());
}

double EsaIndex::Relatedness(std::string_view a, std::string_view b) const {
  return Cosine(Vectorize(a), Vectorize(b));
}

std::size_t EsaIndex::concept_count() const {
  return impl_->header.concepts;
}
std::size_t EsaIndex::term_count() const {
  return impl_->header.terms;
}
std::string_view EsaIndex::concept_title(std::uint32_t id) const {
  const Impl& m = *impl_;
  if (id >= m.header.concepts) return {};
  const std::uint32_t b = m.title_offsets[id];
  const std::uint32_t e = m.title_offsets[id + 1];
  if (e < b) return {};
  return {m.title_blob + b, e - b};
}
const std::string& EsaIndex::corpus_name() const {
  return impl_->corpus_name;
}
std::string EsaIndex::fingerprint() const {
  // The header and the term table change with any change of terms, their postings (offsets
  // and counts) or their idf; hashing only them keeps this cheap for a large index.
  XXH64_state_t* state = XXH64_createState();
  XXH64_reset(state, 0);
  XXH64_update(state, &impl_->header, sizeof impl_->header);
  XXH64_update(state, impl_->terms, std::size_t{impl_->header.terms} * sizeof(TermEntry));
  const std::uint64_t h = XXH64_digest(state);
  XXH64_freeState(state);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return impl_->corpus_name + "@" + hex;
}
double EsaIndex::Idf(std::string_view term) const {
  const TermEntry* e = impl_->Find(term);
  return e == nullptr ? 0.0 : e->idf;
}

// ---- corpora -------------------------------------------------------------------------------

namespace {

struct Synset {
  std::string words;  // lemmas, spaces for underscores
  std::string gloss;
  std::string title;
  std::vector<std::pair<char, std::uint32_t>> related;  // (file pos, offset)
};

char FilePos(char pos) {
  return pos == 's' ? 'a' : pos;
}

}  // namespace

Result<std::vector<EsaConcept>> ReadWordNetConcepts(const fs::path& dir, bool enrich) {
  std::vector<Synset> synsets;
  std::map<std::pair<char, std::uint32_t>, std::uint32_t> index;
  const std::pair<const char*, char> files[] = {
      {"data.noun", 'n'}, {"data.verb", 'v'}, {"data.adj", 'a'}, {"data.adv", 'r'}};
  for (const auto& [name, pos] : files) {
    const fs::path file = dir / name;
    std::ifstream in(file);
    if (!in) {
      return Status::NotFound("cannot read " + file.string() +
                              " (install Debian's wordnet-base, or pass --wordnet DIR)");
    }
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.empty() || line[0] == ' ') continue;  // the licence header
      const std::size_t bar = line.find(" | ");
      std::istringstream fields(line.substr(0, bar));
      std::uint32_t offset = 0;
      std::string lex_filenum;
      std::string ss_type;
      std::string w_cnt_hex;
      if (!(fields >> offset >> lex_filenum >> ss_type >> w_cnt_hex)) {
        return Status::Corrupt(file.string() + ":" + std::to_string(line_no) +
                               ": malformed synset line");
      }
      Synset s;
      const long w_cnt = std::strtol(w_cnt_hex.c_str(), nullptr, 16);
      std::string first;
      for (long i = 0; i < w_cnt; ++i) {
        std::string word;
        std::string lex_id;
        fields >> word >> lex_id;
        if (const std::size_t paren = word.find('('); paren != std::string::npos) {
          word.resize(paren);  // adjective markers: (a), (p), (ip)
        }
        std::replace(word.begin(), word.end(), '_', ' ');
        if (first.empty()) first = word;
        if (!s.words.empty()) s.words += ", ";
        s.words += word;
      }
      int p_cnt = 0;
      fields >> p_cnt;
      for (int i = 0; i < p_cnt; ++i) {
        std::string symbol;
        std::uint32_t target = 0;
        std::string target_pos;
        std::string source_target;
        fields >> symbol >> target >> target_pos >> source_target;
        if (!fields || target_pos.empty()) break;
        s.related.emplace_back(FilePos(target_pos[0]), target);
      }
      if (bar != std::string::npos) s.gloss = line.substr(bar + 3);
      while (!s.gloss.empty() && (s.gloss.back() == ' ' || s.gloss.back() == '\r')) {
        s.gloss.pop_back();
      }
      char offset_text[16];
      std::snprintf(offset_text, sizeof offset_text, "%08u", offset);
      s.title =
          first + "#" + std::string(1, ss_type.empty() ? pos : ss_type[0]) + "#" + offset_text;
      index[{pos, offset}] = static_cast<std::uint32_t>(synsets.size());
      synsets.push_back(std::move(s));
    }
  }
  if (synsets.empty()) return Status::NotFound("no synsets found under " + dir.string());
  std::vector<EsaConcept> out;
  out.reserve(synsets.size());
  for (const Synset& s : synsets) {
    EsaConcept c;
    c.title = s.title;
    const std::string own = s.words + ". " + s.gloss;
    c.text = own;
    if (enrich) {
      c.text += ". " + own;  // the synset's own words weigh double
      for (const auto& key : s.related) {
        auto it = index.find(key);
        if (it == index.end()) continue;
        const Synset& r = synsets[it->second];
        c.text += ". " + r.words + ". " + r.gloss;
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<EsaConcept>> ReadJsonlConcepts(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path.string());
  std::vector<EsaConcept> out;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path.string() + ":" + std::to_string(line_no);
    if (!IsValidUtf8(line)) return Status::InvalidArgument(where + ": not valid UTF-8");
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string() ||
        (j.contains("title") && !j["title"].is_string())) {
      return Status::InvalidArgument(where +
                                     R"(: expected a JSON object {"title": "...", "text": "..."})");
    }
    EsaConcept c;
    c.title = j.value("title", "");
    c.text = j["text"].get<std::string>();
    if (c.title.empty()) c.title = "line " + std::to_string(line_no);
    out.push_back(std::move(c));
  }
  if (out.empty()) return Status::InvalidArgument(path.string() + " holds no concepts");
  return out;
}

std::string_view ConceptLabel(std::string_view title) {
  // "<lemma>#<pos letter>#<digits>", as ReadWordNetConcepts titles synsets.
  const std::size_t second = title.rfind('#');
  if (second == std::string_view::npos || second < 2 || second + 1 >= title.size()) return title;
  for (std::size_t i = second + 1; i < title.size(); ++i) {
    if (title[i] < '0' || title[i] > '9') return title;
  }
  if (title[second - 2] != '#' ||
      std::string_view("nvasr").find(title[second - 1]) == std::string_view::npos) {
    return title;
  }
  return title.substr(0, second - 2);
}

fs::path DefaultEsaIndexPath() {
  return UserDataFile("SONANCE_ESA_INDEX", "esa.idx");
}

namespace {

std::vector<double> Ranks(const std::vector<double>& x) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && x[order[j]] == x[order[i]]) ++j;
    const double avg = (static_cast<double>(i) + static_cast<double>(j - 1)) / 2.0 + 1.0;
    for (std::size_t k = i; k < j; ++k) r[order[k]] = avg;
    i = j;
  }
  return r;
}

}  // namespace

double SpearmanRho(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> ra = Ranks(a);
  const std::vector<double> rb = Ranks(b);
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
  const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double sab = 0.0;
  double saa = 0.0;
  double sbb = 0.0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  if (saa <= 0.0 || sbb <= 0.0) return std::numeric_limits<double>::quiet_NaN();
  return sab / std::sqrt(saa * sbb);
}

}  // namespace sonance
