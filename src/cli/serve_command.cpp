// `sonance serve`: the HTTP API over the catalog, until SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "sonance/catalog/catalog.h"
#include "sonance/server/api.h"
#include "sonance/server/catalog_view.h"
#include "sonance/server/http_transport.h"
#include "sonance/server/metrics.h"
#include "sonance/server/prediction_cache.h"
#include "sonance/server/semantic_cache.h"
#include "sonance/server/server_config.h"
#include "sonance/server/server_log.h"

#ifndef SONANCE_VERSION
#define SONANCE_VERSION "0.1.0"
#endif

namespace sonance::cli {
namespace {

struct ServeOptions {
  std::string config_file;
  std::map<std::string, std::string> flags;  // key -> value, only those given
};

int RunServe(const ServeOptions& options) {
  ServerConfig config;
  std::string config_file = options.config_file;
  if (config_file.empty()) {
    if (const char* env = std::getenv("SONANCE_CONFIG"); env != nullptr) config_file = env;
  }
  if (!config_file.empty()) {
    if (Status s = ApplyServerConfigFile(&config, config_file); !s.ok()) {
      std::fprintf(stderr, "sonance serve: %s\n", s.message().c_str());
      return s.code() == StatusCode::kNotFound ? kExitNotFound : kExitUsage;
    }
  }
  Status env = ApplyServerConfigEnvironment(&config, [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return v == nullptr ? std::nullopt : std::optional<std::string>(v);
  });
  if (!env.ok()) {
    std::fprintf(stderr, "sonance serve: %s\n", env.message().c_str());
    return kExitUsage;
  }
  for (const auto& [key, value] : options.flags) {
    if (Status s = SetServerConfigValue(&config, key, value, "--" + key); !s.ok()) {
      std::fprintf(stderr, "sonance serve: %s\n", s.message().c_str());
      return kExitUsage;
    }
  }
  if (Status s = ValidateServerConfig(config); !s.ok()) {
    std::fprintf(stderr, "sonance serve: %s\n", s.message().c_str());
    return kExitUsage;
  }
  if (config.catalog.empty()) config.catalog = Catalog::DefaultPath();

  auto logger = MakeServerLogger(config);
  if (!logger.ok()) {
    std::fprintf(stderr, "sonance serve: %s\n", logger.status().message().c_str());
    return kExitFailure;
  }
  std::shared_ptr<spdlog::logger> log = *logger;

  // Every thread started from here on inherits the blocked signals; one thread waits for
  // them and stops the server, which lets in-flight requests finish.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  CatalogViewOptions view_options;
  view_options.refresh = std::chrono::milliseconds(config.catalog_refresh_ms);
  auto view = CatalogView::Open(config.catalog, view_options);
  if (Status a = view->Availability(); !a.ok()) {
    log->warn("catalog unavailable, serving 503 until it can be read: {}", a.message());
  } else {
    log->info("catalog {} loaded: {} tracks", config.catalog.string(),
              view->Snapshot()->counts().tracks);
  }

  MetricsRegistry metrics;
  RegisterServerMetrics(metrics);
  HttpServerOptions http;
  http.host = config.host;
  http.port = config.port;
  http.threads = config.threads;
  http.io_threads = config.io_threads;
  http.max_body_bytes = config.max_body_bytes;
  http.read_timeout_ms = config.read_timeout_ms;
  http.write_timeout_ms = config.write_timeout_ms;
  http.keep_alive_timeout_s = config.keep_alive_timeout_s;
  http.keep_alive_max_count = config.keep_alive_max_count;
  HttpServer server(http);
  ApiContext context;
  context.catalog = view.get();
  context.metrics = &metrics;
  context.version = SONANCE_VERSION;
  RecommenderOptions rec_options;
  rec_options.index.factory = config.index_factory;
  rec_options.state_dir = RecommenderStateDir(config.catalog);
  RecommenderCache recommender(view.get(), rec_options);
  recommender.SetObserver([log](const RecommenderEntry& e) {
    for (const GroupBuild& b : e.recommender->builds()) {
      log->info(
          "recommender features_version={} tracks={} dims={} how={} added={} removed={} "
          "seconds={:.3f}",
          b.features_version, b.tracks, b.dims, b.how, b.added, b.removed, e.build_seconds);
      if (!b.save_error.empty()) {
        log->warn("recommender state not stored: {}", LogfmtValue(b.save_error));
      }
    }
  });
  context.recommender = &recommender;
  const std::filesystem::path esa_index =
      config.esa_index.empty() ? DefaultEsaIndexPath() : config.esa_index;
  auto models = SemanticCache::LoadModels(esa_index);
  if (models.ok()) {
    log->info("esa index={} concepts={} terms={}", LogfmtValue(esa_index.string()),
              models->esa->concept_count(), models->esa->term_count());
  } else {
    log->warn("text routes disabled: {}", LogfmtValue(models.status().message()));
  }
  SemanticCache semantic(view.get(), std::move(models));
  context.semantic = &semantic;
  PredictionCache prediction(ModelStore::DefaultDir(config.catalog));
  context.prediction = &prediction;
  RegisterApiRoutes(server, context);
  server.SetRequestObserver([&metrics, log](const RequestRecord& r) {
    RecordRequestMetrics(metrics, r);
    LogRequest(*log, r);
  });

  if (Status s = server.Bind(); !s.ok()) {
    log->error("{}", s.message());
    return kExitFailure;
  }
  std::printf("Sonance API listening on http://%s:%d (catalog %s)\n", config.host.c_str(),
              server.port(), config.catalog.string().c_str());
  std::fflush(stdout);
  log->info("listening host={} port={} threads={} io_threads={} catalog={}", config.host,
            server.port(), config.threads, config.io_threads, LogfmtValue(config.catalog.string()));

  // Load (or fit) the recommender now, so the first playlist request does not wait for it.
  std::thread warm([&recommender] { (void)recommender.Get(); });
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (!done.load()) {
      log->info("signal {} received; finishing in-flight requests",
                sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
    server.Stop();
  });
  Status run = server.Run();
  done.store(true);
  pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter if Run ended by itself
  waiter.join();
  warm.join();
  if (!run.ok()) {
    log->error("{}", run.message());
    return kExitFailure;
  }
  log->info("stopped");
  log->flush();
  return kExitOk;
}

}  // namespace

std::function<int()> AddServeCommand(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve the catalog over HTTP: Spotify-compatible /v1 endpoints, the original "
      "systems' routes, /metrics, /openapi.json and /docs");
  cmd->add_option("--config", options->config_file,
                  "Config file of `key = value` lines (default: $SONANCE_CONFIG)");
  for (const ConfigKey& key : ServerConfigKeys()) {
    const std::string name = key.name;
    cmd->add_option_function<std::string>(
           key.flag, [options, name](const std::string& v) { options->flags[name] = v; },
           key.description + " [env " + key.env + "]")
        ->type_name(name == "host" || name == "catalog" || name == "log_file" ? "TEXT" : "VALUE");
  }
  cmd->footer(
      "Precedence: flags > environment > config file > defaults. Stops cleanly on Ctrl-C or\n"
      "SIGTERM after in-flight requests finish. See docs/server.md.");
  return [options] { return RunServe(*options); };
}

}  // namespace sonance::cli
