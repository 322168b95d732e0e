# System dependencies, all from Debian bookworm packages (scripts/setup.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswresample)
pkg_check_modules(FFTW3F REQUIRED IMPORTED_TARGET fftw3f)
pkg_check_modules(EBUR128 REQUIRED IMPORTED_TARGET libebur128)
pkg_check_modules(TAGLIB REQUIRED IMPORTED_TARGET taglib)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
# cpp-httplib is a compiled library in Debian; its flags come from pkg-config.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(spdlog REQUIRED)
find_path(QMDSP_INCLUDE_DIR dsp/tempotracking/TempoTrackV2.h PATHS /usr/include/qm-dsp REQUIRED)
find_library(QMDSP_LIBRARY NAMES qm-dsp REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
# FAISS's CMake config needs OpenMP found first; chromaprint comes through pkg-config.
find_package(OpenMP REQUIRED)
find_package(faiss REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
pkg_check_modules(CHROMAPRINT REQUIRED IMPORTED_TARGET libchromaprint)
find_package(CLI11 REQUIRED)
# Snowball stemmers (libstemmer-dev).
find_path(STEMMER_INCLUDE_DIR libstemmer.h REQUIRED)
find_library(STEMMER_LIBRARY NAMES stemmer REQUIRED)
# XGBoost's C API (libxgboost-dev 1.7.4) as the imported target XGBoost::c_api. Its own CMake
# config also wants the `xgboost` command-line package (configure fails without it) and its
# pkg-config file names the wrong libdir, so the header and library are found directly.
find_path(XGBOOST_INCLUDE_DIR xgboost/c_api.h REQUIRED)
find_library(XGBOOST_LIBRARY NAMES xgboost REQUIRED)
add_library(XGBoost::c_api UNKNOWN IMPORTED)
set_target_properties(XGBoost::c_api PROPERTIES IMPORTED_LOCATION "${XGBOOST_LIBRARY}"
                      INTERFACE_INCLUDE_DIRECTORIES "${XGBOOST_INCLUDE_DIR}")
if(SONANCE_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
