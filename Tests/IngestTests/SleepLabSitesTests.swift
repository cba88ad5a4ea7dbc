import Testing

@testable import Ingest

/// Each leg of a sleep-lab recording keeps its side, so cramps and leg movements are reported per leg
/// ("right shin"); the labels Crampwatch writes itself keep the codes they had.
@Suite struct SleepLabSitesTests {
    @Test(arguments: [
        ("Right Leg", 0x81), ("Left Leg", 0x01), ("Leg R", 0x81), ("Leg L", 0x01), ("RAT", 0x81), ("LAT", 0x01),
        ("Tib R", 0x81), ("Tib L", 0x01), ("TibR", 0x81), ("RLEG1-RLEG2", 0x81), ("LLEG1-LLEG2", 0x01),
        ("PLMr", 0x81), ("EMG Tib", 0x01), ("Jambe droite", 0x81), ("Jambe gauche", 0x01),
        ("EMG Tibialis L", 0x01), ("EMG Gastroc L", 0x02), ("EMG Gastroc R", 0x82), ("Soleus", 0x03), ("EMG", 0x00),
    ] as [(String, Int)])
    func theSideAndMuscleComeFromTheLabel(label: String, code: Int) {
        #expect(Int(EDFSource.siteCode(label)) == code, "\(label)")
    }
}
