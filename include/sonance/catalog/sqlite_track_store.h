// The SQLite back-end of the catalog: schema, migrations, and the TrackStore over one file.
//
// The schema is versioned with PRAGMA user_version and migrated forward only, one numbered
// migration per transaction (docs/catalog.md lists them). Opening refuses, without writing a
// byte, a file that is not SQLite (Corrupt), a SQLite database of another application
// (Corrupt) and a catalog newer than this build (Unsupported). The database runs in WAL mode
// with synchronous=FULL: a committed write survives a killed process and a power cut, and
// readers in other processes are never blocked by the writer.
//
// Thread-safety: the store holds one connection behind a mutex; share it freely.
// Ownership: the returned store owns the connection and closes it when destroyed.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "sonance/catalog/track_store.h"
#include "sonance/common/status.h"

namespace sonance {

// PRAGMA application_id of a Sonance catalog ("Sonc").
inline constexpr int kCatalogApplicationId = 0x536F6E63;

struct SqliteMigration {
  int version;  // user_version after this migration; migrations are numbered 1, 2, 3...
  std::string_view sql;
};

// Every migration this build knows, in order; the last one's version is the current schema.
std::span<const SqliteMigration> SqliteMigrations();

// Opens or creates the catalog file and applies the pending `migrations` (tests pass their own
// list to exercise the migration machinery).
Result<std::unique_ptr<TrackStore>> OpenSqliteTrackStore(
    const std::filesystem::path& path,
    std::span<const SqliteMigration> migrations = SqliteMigrations());

}  // namespace sonance
