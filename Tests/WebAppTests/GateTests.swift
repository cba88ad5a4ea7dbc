import Foundation
import Synchronization
import Testing
@testable import WebApp

/// The pairing gate's limit, on a clock the test sets: five wrong codes a minute, then every code (even the
/// right one) waits until the oldest of the five is a minute old.
@Suite struct GateTests {
    @Test func fiveWrongCodesAMinuteThenEvenTheRightOneWaits() {
        let printed = Mutex<[String]>([])
        let gate = Gate(pairingRequired: true) { code in printed.withLock { $0.append(code) } }
        let code = try? #require(printed.withLock { $0.last })
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        for i in 0..<5 {
            #expect(gate.pair(code: "1", now: t0 + Double(i)) == .wrongCode)
        }
        #expect(gate.pair(code: "1", now: t0 + 10) == .tooManyAttempts(retryAfter: 50))
        #expect(gate.pair(code: code ?? "", now: t0 + 20) == .tooManyAttempts(retryAfter: 40))
        #expect(gate.pair(code: code ?? "", now: t0 + 59.5) == .tooManyAttempts(retryAfter: 1))
        // A minute after the first wrong code it no longer counts: four remain, and the right code pairs.
        guard case .paired = gate.pair(code: code ?? "", now: t0 + 60.5) else {
            Issue.record("the right code after the window must pair")
            return
        }
        #expect(printed.withLock { $0.count } == 2, "a used code is replaced by a new one, printed")
        #expect(printed.withLock { $0[1] } != code)
        #expect(gate.pair(code: code ?? "", now: t0 + 61) == .wrongCode, "a code works once")
    }
}
