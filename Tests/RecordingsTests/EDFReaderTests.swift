import Foundation
import Recordings
import TestSupport
import Testing

@Suite(.tags(.sharedData), .temporaryFolder) struct EDFSampleFileTests {
    static let files = [
        "edflib_test_generator.bdf", "edflib_test_generator.edf", "hmc_SN001_sleepscoring.edf",
        "mne_duplicate_channel_labels.edf",
        "mne_test_139ch_annotations.edf", "mne_test_bdf_stim_channel.bdf", "mne_test_edf_stim_channel.edf",
        "mne_test_uneven_samp.edf",
        "pyedflib_test_subsecond_start.edf", "pyedflib_test_utf8_annotations.edf", "sleepedf_SC4001E0_first5min.edf",
        "sleepedf_SC4001E0_first5min_edfio.bdf", "sleepedf_SC4001EC_hypnogram.edf",
    ]

    @Test func everySampleFileIsListed() throws {
        let present = try FileManager.default.contentsOfDirectory(atPath: Paths.edfSamples.path)
                          .filter { $0.hasSuffix(".edf") || $0.hasSuffix(".bdf") }
        #expect(Set(present) == Set(Self.files), "edf_format_samples changed: update the list")
    }

    @Test(.tags(.slow, .python, .sharedData), arguments: files)
    func samplesAndAnnotationsMatchPyedflib(file: String) async throws {
        let path = Paths.edfSamples.appendingPathComponent(file).path
        let dir = try TemporaryFolder.make("cmp")
        let ours = try dumpWithOurReader(path, to: dir)
        let result = try await checker("compare", path, dir)
        let py = try #require(worstSteps(result, "pyedflib"))
        #expect(py.signals == ours.signals, "\(file): pyedflib sees \(py.signals) signals, we see \(ours.signals)")
        #expect(py.countsAgree, "\(file): sample counts differ: \(result)")
        #expect(py.steps <= 1, "\(file): samples differ from pyedflib's by \(py.steps) digital steps")
        let pa = try #require(result["pyedflib"] as? [String: Any])
        #expect(pa["annotations"] as? Int == ours.annotations.count,
                "\(file): pyedflib has \(pa["annotations"] ?? "?") annotations, we have \(ours.annotations.count)")
        #expect(pa["annotations_equal"] as? Bool == true, "\(file): annotations differ: \(result)")
    }

    @Test func publishedAnnotationCounts() throws {
        // Counts quoted in edf_format_samples/README.md.
        for (file, count) in [("sleepedf_SC4001EC_hypnogram.edf", 154), ("hmc_SN001_sleepscoring.edf", 856),
                              ("edflib_test_generator.edf", 2),
                              ("pyedflib_test_utf8_annotations.edf", 5), ("pyedflib_test_subsecond_start.edf", 4),
                              ("mne_test_139ch_annotations.edf", 5)] {
            let r = try EDFReader(path: Paths.edfSamples.appendingPathComponent(file).path)
            #expect(try r.allAnnotations().annotations.count == count, "\(file)")
        }
    }

    @Test func mixedRatesInvertedRangesAndSubsecondStart() throws {
        let bdf = try EDFReader(path: Paths.edfSamples.appendingPathComponent("edflib_test_generator.bdf").path)
        let rates = Set(bdf.header.signals.indices.filter { !bdf.header.signals[$0].isAnnotations }
                        .map { bdf.header.sampleRateHz($0) })
        #expect(rates.isSuperset(of: [500, 800, 975, 999]) && rates.count >= 4)
        #expect(bdf.header.format == .bdfPlus)
        let uneven = try EDFReader(path: Paths.edfSamples.appendingPathComponent("mne_test_uneven_samp.edf").path)
        #expect(uneven.header.sampleRateHz(0) == 100 && uneven.header.sampleRateHz(1) == 12.8)
        let sub = try EDFReader(path: Paths.edfSamples.appendingPathComponent("pyedflib_test_subsecond_start.edf").path)
        #expect(sub.header.signals[0].physicalMinimum > sub.header.signals[0].physicalMaximum)
        #expect(sub.header.signals[0].unitsPerStep < 0)
        let onsets = try sub.recordOnsets()
        // "+0.3945312" in the first time-keeping TAL; edfio shows 04:05:56.394531.
        #expect(abs(sub.startOffsetSeconds - 0.3945312) < 1e-9)
        #expect(onsets[0] == 0 && abs(onsets[1] - 1) < 1e-9)
        let utf8 = try EDFReader(path: Paths.edfSamples
                                       .appendingPathComponent("pyedflib_test_utf8_annotations.edf").path)
        #expect(try utf8.allAnnotations().annotations
                .contains { $0.text.unicodeScalars.contains { $0.value > 0x4E00 } })
    }
}
