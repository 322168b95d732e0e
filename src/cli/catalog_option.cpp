#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace sonance::cli {

void AddCatalogOption(CLI::App* cmd, CatalogOption* option) {
  cmd->add_option("--catalog", option->path,
                  "Catalog file (default: $SONANCE_CATALOG, else "
                  "$XDG_DATA_HOME/sonance/catalog.db)");
}

std::filesystem::path CatalogPath(const CatalogOption& option) {
  return option.path.empty() ? Catalog::DefaultPath() : std::filesystem::path(option.path);
}

std::unique_ptr<Catalog> OpenCatalogOrReport(const CatalogOption& option, bool must_exist,
                                             int* exit_code) {
  const std::filesystem::path db = CatalogPath(option);
  if (must_exist && !std::filesystem::exists(db)) {
    std::fprintf(stderr, "sonance: no catalog at %s; create one with: sonance analyze FOLDER\n",
                 db.c_str());
    *exit_code = kExitCatalog;
    return nullptr;
  }
  auto catalog = Catalog::Open(db);
  if (!catalog.ok()) {
    std::fprintf(stderr, "sonance: cannot open catalog %s: %s\n", db.c_str(),
                 catalog.status().ToString().c_str());
    *exit_code = kExitCatalog;
    return nullptr;
  }
  return std::move(catalog).value();
}

}  // namespace sonance::cli
