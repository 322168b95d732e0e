#include "sonance/analysis/descriptors.h"

#include "descriptor_features.h"
#include "descriptor_model.h"

namespace sonance {

using descriptor_internal::DescriptorFeatureExtractor;
using descriptor_internal::DescriptorFeatureOptions;
using descriptor_internal::DescriptorFeatures;
using descriptor_internal::EstimateDescriptors;

Result<DescriptorEstimator> DescriptorEstimator::Create(const DescriptorOptions& options) {
  if (options.sample_rate < 1000 || options.sample_rate > 384000) {
    return Status::InvalidArgument("descriptor sample_rate must be in 1000..384000 Hz");
  }
  return DescriptorEstimator(options);
}

Descriptors DescriptorEstimator::compute(const DescriptorInputs& inputs) const {
  DescriptorFeatureOptions feature_options;
  feature_options.sample_rate = options_.sample_rate;
  // Defaults are valid for every sample rate Create() accepts (tested), so this cannot fail.
  const auto extractor = DescriptorFeatureExtractor::Create(feature_options);
  if (!extractor.ok()) return EstimateDescriptors({}, nullptr, -60.0);

  // The pipeline hands over its spectrogram; callers that have none get one computed here.
  Spectrogram own;
  const Spectrogram* spectrogram = inputs.spectrogram;
  if (spectrogram == nullptr) {
    const auto computer = SpectrogramComputer::Create({2048, 512, options_.sample_rate});
    if (computer.ok()) own = computer->compute(inputs.samples);
    spectrogram = &own;
  }
  const DescriptorFeatures features =
      extractor->compute(inputs.samples, *spectrogram, inputs.rhythm);
  return EstimateDescriptors(features, inputs.key, inputs.integrated_loudness);
}

}  // namespace sonance
