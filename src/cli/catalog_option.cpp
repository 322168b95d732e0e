#include "cli/commands.h"

namespace sonance::cli {

void AddCatalogOption(CLI::App* cmd, CatalogOption* option) {
  cmd->add_option("--catalog", option->path,
                  "Catalog file (default: $SONANCE_CATALOG, else "
                  "$XDG_DATA_HOME/sonance/catalog.db)");
}

}  // namespace sonance::cli
