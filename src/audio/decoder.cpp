#include "sonance/audio/decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace sonance {
namespace {

namespace fs = std::filesystem;

constexpr int kMinOutputRate = 8000;
constexpr int kMaxOutputRate = 192000;
// A damaged file (read error, rejected packets, much shorter than declared) must still give
// this much audio to be worth analysing; less is reported as Corrupt rather than analysed.
constexpr double kMinSecondsFromDamagedFile = 1.0;
// Decoded audio shorter than this share of the declared duration means the file was cut.
constexpr double kTruncatedShare = 0.9;
// Garbage that a lenient prober (MP3 sync words are easy to find by chance) accepted: stop
// after this many rejected packets when nothing at all has decoded.
constexpr int kMaxBadPacketsWithoutAudio = 500;
constexpr double kMaxReservedSeconds = 3600.0;
constexpr int kMaxReadRetries = 1000;
// av_probe_input_format3 scores a demuxer 1 when only the file extension matched.
constexpr int kExtensionOnlyScore = 1;

void SilenceFfmpegLogging() {
  // FFmpeg writes to stderr by default; a library must not. av_log_set_level is a plain
  // global store, so do it once.
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

std::string AvError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(err, buf, sizeof buf) < 0) return "FFmpeg error " + std::to_string(err);
  return buf;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

struct AvioDeleter {
  void operator()(AVIOContext* p) const { avio_close(p); }
};
struct FormatDeleter {
  void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
};
struct CodecDeleter {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct SwrDeleter {
  void operator()(SwrContext* p) const { swr_free(&p); }
};

// Owns an AVChannelLayout (custom-order layouts allocate a channel map).
class ChannelLayout {
 public:
  ChannelLayout() = default;
  ~ChannelLayout() { av_channel_layout_uninit(&layout_); }
  ChannelLayout(const ChannelLayout&) = delete;
  ChannelLayout& operator=(const ChannelLayout&) = delete;

  int CopyFrom(const AVChannelLayout& other) {
    av_channel_layout_uninit(&layout_);
    return av_channel_layout_copy(&layout_, &other);
  }
  void SetDefault(int channels) {
    av_channel_layout_uninit(&layout_);
    av_channel_layout_default(&layout_, channels);
  }
  // swresample 4.7 takes a non-const pointer but does not modify the layout.
  AVChannelLayout* get() { return &layout_; }
  bool SameAs(const AVChannelLayout& other) const {
    return av_channel_layout_compare(&layout_, &other) == 0;
  }

 private:
  AVChannelLayout layout_{};
};

// Turns decoded frames of any sample format, rate and channel layout into mono float at the
// output rate in one swresample pass. Reconfigures itself when the stream changes mid-way
// (chained Ogg streams, broadcast captures), flushing what the old configuration held.
class MonoResampler {
 public:
  MonoResampler(int out_rate, std::vector<float>* out) : out_rate_(out_rate), out_(out) {}

  // Returns 0 or a negative AVERROR.
  int Push(const AVFrame& frame) {
    if (!swr_ || frame.format != in_format_ || frame.sample_rate != in_rate_ ||
        !in_layout_.SameAs(frame.ch_layout)) {
      if (int err = Configure(frame); err < 0) return err;
    }
    return Convert(const_cast<const uint8_t**>(frame.extended_data), frame.nb_samples);
  }

  int Flush() { return swr_ ? Convert(nullptr, 0) : 0; }

 private:
  int Configure(const AVFrame& frame) {
    if (int err = Flush(); err < 0) return err;
    swr_.reset();
    const int channels = frame.ch_layout.nb_channels;
    if (channels <= 0 || frame.sample_rate <= 0 || frame.format < 0) return AVERROR_INVALIDDATA;
    if (int err = in_layout_.CopyFrom(frame.ch_layout); err < 0) return err;
    in_format_ = frame.format;
    in_rate_ = frame.sample_rate;

    // swresample needs to know what the channels are, even though our own matrix ignores it.
    ChannelLayout in_layout;
    if (frame.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
      in_layout.SetDefault(channels);
    } else if (int err = in_layout.CopyFrom(frame.ch_layout); err < 0) {
      return err;
    }
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    SwrContext* raw = nullptr;
    int err = swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_FLT, out_rate_, in_layout.get(),
                                  static_cast<AVSampleFormat>(frame.format), frame.sample_rate, 0,
                                  nullptr);
    if (err < 0) return err;
    std::unique_ptr<SwrContext, SwrDeleter> swr(raw);
    // swresample's own downmix weights stereo by 1/sqrt(2) per channel (and may clip); the
    // analysis format is defined as the plain mean of all channels.
    const std::vector<double> mean(static_cast<std::size_t>(channels), 1.0 / channels);
    if ((err = swr_set_matrix(swr.get(), mean.data(), channels)) < 0) return err;
    if ((err = swr_init(swr.get())) < 0) return err;
    swr_ = std::move(swr);
    return 0;
  }

  int Convert(const uint8_t** in, int in_samples) {
    const int room = swr_get_out_samples(swr_.get(), in_samples);
    if (room < 0) return room;
    if (room == 0) return 0;
    // Converting into a small reused buffer (hot in cache) and appending once is cheaper
    // than zero-filling the cold tail of the output for swresample to overwrite.
    if (scratch_.size() < static_cast<std::size_t>(room)) scratch_.resize(room);
    auto* dst = reinterpret_cast<uint8_t*>(scratch_.data());
    const int got = swr_convert(swr_.get(), &dst, room, in, in_samples);
    if (got < 0) return got;
    out_->insert(out_->end(), scratch_.begin(), scratch_.begin() + got);
    return 0;
  }

  int out_rate_;
  std::vector<float>* out_;
  std::vector<float> scratch_;
  std::unique_ptr<SwrContext, SwrDeleter> swr_;
  int in_format_ = -1;
  int in_rate_ = 0;
  ChannelLayout in_layout_;
};

const char* DescribeStreams(const AVFormatContext& ctx) {
  bool video = false, image = false, subtitle = false;
  for (unsigned i = 0; i < ctx.nb_streams; ++i) {
    const AVStream* st = ctx.streams[i];
    // FFmpeg reads plain text as ANSI art, a "video".
    if (st->codecpar->codec_id == AV_CODEC_ID_ANSI) return " (it is a text file)";
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
      const bool still = (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0 ||
                         (ctx.iformat->flags & AVFMT_NOTIMESTAMPS) != 0 ||
                         std::string_view(ctx.iformat->name).ends_with("_pipe");
      (still ? image : video) = true;
    } else if (st->codecpar->codec_type == AVMEDIA_TYPE_SUBTITLE) {
      subtitle = true;
    }
  }
  if (video) return " (it holds only video)";
  if (image) return " (it is an image)";
  if (subtitle) return " (it holds only subtitles)";
  return ctx.nb_streams == 0 ? " (it holds no streams at all)" : "";
}

// Minutes of audio are tens of megabytes written once; with 4 KiB pages the page faults
// cost as much as resampling (measured under a hypervisor). Transparent huge pages are
// often "madvise" only, so ask for them. Advice only: harmless where unsupported.
void AdviseHugePages(std::vector<float>& buffer) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHugePage = 2u << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(buffer.data());
  const std::uintptr_t end = begin + buffer.capacity() * sizeof(float);
  const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t last = end & ~(kHugePage - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)buffer;
#endif
}

bool StartsWithId3(const fs::path& path) {
  char magic[3] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  const bool id3 = std::fread(magic, 1, 3, f) == 3 && std::string_view(magic, 3) == "ID3";
  std::fclose(f);
  return id3;
}

Status OpenError(const std::string& name, int err) {
  if (err == AVERROR(ENOENT)) return Status::NotFound(name + ": no such file");
  if (err == AVERROR(EACCES) || err == AVERROR(EPERM)) {
    return Status::IOError(name + ": permission denied");
  }
  return Status::IOError(name + ": cannot open (" + AvError(err) + ")");
}

}  // namespace

Result<DecodedAudio> DecodeFile(const fs::path& path, const DecodeOptions& options) {
  const std::string name = path.string();
  if (options.sample_rate < kMinOutputRate || options.sample_rate > kMaxOutputRate) {
    return Status::InvalidArgument("sample_rate must be in [8000, 192000], got " +
                                   std::to_string(options.sample_rate));
  }
  if (!std::isfinite(options.max_seconds) || options.max_seconds < 0.0) {
    return Status::InvalidArgument("max_seconds must be finite and >= 0");
  }

  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return Status::NotFound(name + ": no such file");
  if (ec) return Status::IOError(name + ": cannot read (" + ec.message() + ")");
  if (st.type() == fs::file_type::directory) {
    return Status::IOError(name + " is a directory, not an audio file");
  }
  // A FIFO or device would block or never end; only plain files are decoded.
  if (st.type() != fs::file_type::regular) {
    return Status::IOError(name + " is not a regular file");
  }
  const auto size = fs::file_size(path, ec);
  if (ec) return Status::IOError(name + ": cannot read (" + ec.message() + ")");
  if (size == 0) return Status::Corrupt(name + ": the file is empty");

  SilenceFfmpegLogging();

  // Our own I/O context: "file:" keeps names with a colon from being read as a protocol, and
  // probing it ourselves tells "not a format FFmpeg knows" apart from "a damaged container".
  const std::string url = "file:" + name;
  AVIOContext* raw_io = nullptr;
  if (int err = avio_open(&raw_io, url.c_str(), AVIO_FLAG_READ); err < 0) {
    return OpenError(name, err);
  }
  std::unique_ptr<AVIOContext, AvioDeleter> io(raw_io);

  const AVInputFormat* format = nullptr;
  const int score = av_probe_input_buffer2(io.get(), &format, url.c_str(), nullptr, 0, 0);
  if (score < 0 || format == nullptr) {
    if (score == AVERROR(EIO) || score == AVERROR(EACCES)) return OpenError(name, score);
    return Status::Unsupported(name + ": not an audio format FFmpeg recognises (" +
                               AvError(score < 0 ? score : AVERROR_INVALIDDATA) + ")");
  }
  // When nothing in the contents matched and only the extension chose the demuxer, a later
  // failure means "not audio at all" (a text file named .mp3), not a damaged audio file.
  // An ID3v2 header is skipped before probing, so a tagged MP3 cut before its first whole
  // frame scores like text; the tag still says it was meant to be audio.
  const bool extension_only = score <= kExtensionOnlyScore && !StartsWithId3(path);
  const auto not_audio = [&](int err) {
    return Status::Unsupported(name + ": not an audio file: its contents match no format " +
                               "FFmpeg knows, only its extension does (" + AvError(err) + ")");
  };

  AVFormatContext* raw_ctx = avformat_alloc_context();
  if (raw_ctx == nullptr) return Status::Internal(name + ": out of memory");
  raw_ctx->pb = io.get();
  raw_ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  AVDictionary* open_opts = nullptr;
  // Playlists and references (HLS, concat) could otherwise reach beyond the named file.
  av_dict_set(&open_opts, "protocol_whitelist", "file", 0);
  const int open_err = avformat_open_input(&raw_ctx, url.c_str(), format, &open_opts);
  av_dict_free(&open_opts);
  if (open_err < 0) {
    // avformat_open_input has freed the context.
    if (extension_only) return not_audio(open_err);
    return Status::Corrupt(name + ": cannot read the " + format->name + " container (" +
                           AvError(open_err) + ")");
  }
  std::unique_ptr<AVFormatContext, FormatDeleter> ctx(raw_ctx);

  if (int err = avformat_find_stream_info(ctx.get(), nullptr); err < 0) {
    if (extension_only) return not_audio(err);
    return Status::Corrupt(name + ": cannot read stream information (" + AvError(err) + ")");
  }

  const AVCodec* decoder = nullptr;
  const int index = av_find_best_stream(ctx.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
  if (index == AVERROR_DECODER_NOT_FOUND) {
    std::string codec = "unknown";
    for (unsigned i = 0; i < ctx->nb_streams; ++i) {
      if (ctx->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
        codec = avcodec_get_name(ctx->streams[i]->codecpar->codec_id);
        break;
      }
    }
    return Status::Unsupported(name + ": no decoder for its " + codec + " audio");
  }
  if (index < 0 || decoder == nullptr) {
    if (extension_only) return not_audio(AVERROR_INVALIDDATA);
    // av_find_best_stream passes over audio streams whose rate and channels could not be
    // read: the stream is there, its frames are not.
    for (unsigned i = 0; i < ctx->nb_streams; ++i) {
      const AVCodecParameters* par = ctx->streams[i]->codecpar;
      if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
        return Status::Corrupt(name + ": its " + avcodec_get_name(par->codec_id) +
                               " audio stream has no readable frames");
      }
    }
    return Status::Unsupported("no audio stream in " + name + DescribeStreams(*ctx));
  }
  AVStream* stream = ctx->streams[index];
  // Let the demuxer skip video, cover art and other tracks instead of handing them to us.
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    if (static_cast<int>(i) != index) ctx->streams[i]->discard = AVDISCARD_ALL;
  }

  std::unique_ptr<AVCodecContext, CodecDeleter> codec(avcodec_alloc_context3(decoder));
  if (!codec) return Status::Internal(name + ": out of memory");
  if (int err = avcodec_parameters_to_context(codec.get(), stream->codecpar); err < 0) {
    return Status::Corrupt(name + ": bad " + decoder->name + " parameters (" + AvError(err) + ")");
  }
  codec->pkt_timebase = stream->time_base;
  // Callers decode many files in parallel; one thread per file is the efficient split.
  codec->thread_count = 1;
  if (int err = avcodec_open2(codec.get(), decoder, nullptr); err < 0) {
    return Status::Corrupt(name + ": cannot start the " + avcodec_get_name(decoder->id) +
                           " decoder (" + AvError(err) + ")");
  }

  DecodedAudio result;
  SourceInfo& info = result.source;
  info.container = ctx->iformat->name;
  info.codec = avcodec_get_name(stream->codecpar->codec_id);
  info.sample_rate = stream->codecpar->sample_rate;
  info.channels = stream->codecpar->ch_layout.nb_channels;
  if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0) {
    info.declared_duration_seconds =
        static_cast<double>(stream->duration) * av_q2d(stream->time_base);
  } else if (ctx->duration != AV_NOPTS_VALUE && ctx->duration > 0) {
    info.declared_duration_seconds = static_cast<double>(ctx->duration) / AV_TIME_BASE;
  }
  // A duration guessed from the bit rate of the first frames is no evidence of truncation.
  const bool declared_is_reliable = info.declared_duration_seconds > 0 &&
                                    ctx->duration_estimation_method != AVFMT_DURATION_FROM_BITRATE;

  const int out_rate = options.sample_rate;
  // Anything beyond 2^53 samples is "no limit" (and keeps the conversion defined).
  const double wanted = std::ceil(options.max_seconds * out_rate);
  const std::size_t limit = options.max_seconds > 0 && wanted < 9e15
                                ? static_cast<std::size_t>(wanted)
                                : std::numeric_limits<std::size_t>::max();
  std::vector<float>& out = result.audio.samples;
  result.audio.sample_rate = out_rate;
  if (info.declared_duration_seconds > 0) {
    // One allocation instead of a dozen doublings (and their copies) on long files. A header
    // can lie, so never reserve more than an hour up front; longer files grow as they go.
    const double expected =
        std::min(info.declared_duration_seconds * 1.02 + 1.0, kMaxReservedSeconds);
    out.reserve(std::min(limit, static_cast<std::size_t>(expected * out_rate)));
    AdviseHugePages(out);
  }

  MonoResampler resampler(out_rate, &out);
  std::unique_ptr<AVPacket, PacketDeleter> packet(av_packet_alloc());
  std::unique_ptr<AVFrame, FrameDeleter> frame(av_frame_alloc());
  if (!packet || !frame) return Status::Internal(name + ": out of memory");

  int last_error = 0;      // the most recent FFmpeg failure, for messages
  int read_error = 0;      // a demuxer failure other than end of file
  int resample_error = 0;  // unrecoverable: stop
  bool reached_limit = false;

  auto drain = [&] {
    for (;;) {
      const int r = avcodec_receive_frame(codec.get(), frame.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      if (r < 0) {
        ++info.bad_packets;
        last_error = r;
        return;
      }
      if (info.sample_rate <= 0) info.sample_rate = frame->sample_rate;
      if (info.channels <= 0) info.channels = frame->ch_layout.nb_channels;
      const int err = resampler.Push(*frame);
      av_frame_unref(frame.get());
      if (err < 0) {
        resample_error = last_error = err;
        return;
      }
      if (out.size() >= limit) {
        reached_limit = true;
        return;
      }
    }
  };
  auto send = [&](const AVPacket* pkt) {
    int r = avcodec_send_packet(codec.get(), pkt);
    if (r == AVERROR(EAGAIN)) {
      drain();
      r = avcodec_send_packet(codec.get(), pkt);
    }
    // The decoder drops a packet it rejects; count it and go on with the next one.
    if (r < 0 && r != AVERROR_EOF) {
      ++info.bad_packets;
      last_error = r;
    }
    drain();
  };

  int retries = 0;
  while (!reached_limit && resample_error == 0) {
    const int r = av_read_frame(ctx.get(), packet.get());
    // Files never block, but a demuxer that keeps asking to retry must not spin forever.
    if (r == AVERROR(EAGAIN) && ++retries < kMaxReadRetries) continue;
    retries = 0;
    if (r < 0) {
      if (r != AVERROR_EOF) read_error = last_error = r;
      break;
    }
    if (packet->stream_index == index) send(packet.get());
    av_packet_unref(packet.get());
    if (out.empty() && info.bad_packets >= kMaxBadPacketsWithoutAudio) break;
  }
  if (!reached_limit && resample_error == 0) {
    send(nullptr);
    if (!reached_limit && resample_error == 0) {
      if (int err = resampler.Flush(); err < 0) resample_error = last_error = err;
    }
  }
  if (out.size() > limit) out.resize(limit);
  // Copying tens of megabytes costs more than a few percent of slack; only a badly wrong
  // estimate (no declared duration, vector doubling) is worth giving back.
  if (out.capacity() > out.size() + out.size() / 4) out.shrink_to_fit();

  if (resample_error < 0) {
    return Status::Corrupt(name + ": cannot convert its audio to the analysis format (" +
                           AvError(resample_error) + ")");
  }
  const std::string reason = last_error < 0 ? " (" + AvError(last_error) + ")" : "";
  if (out.empty()) {
    if (extension_only) return not_audio(last_error < 0 ? last_error : AVERROR_INVALIDDATA);
    return Status::Corrupt(name + ": decoding produced no audio" + reason);
  }
  info.duration_seconds = result.audio.duration_seconds();
  info.truncated =
      read_error < 0 || (!reached_limit && declared_is_reliable &&
                         info.duration_seconds < kTruncatedShare * info.declared_duration_seconds);
  if ((info.truncated || info.bad_packets > 0) &&
      info.duration_seconds < kMinSecondsFromDamagedFile) {
    std::string what = name + ": truncated or damaged, only " + Seconds(info.duration_seconds) +
                       " of audio decoded";
    if (info.declared_duration_seconds > 0) {
      what += " of " + Seconds(info.declared_duration_seconds) + " declared";
    }
    return Status::Corrupt(what + reason);
  }
  return result;
}

}  // namespace sonance
