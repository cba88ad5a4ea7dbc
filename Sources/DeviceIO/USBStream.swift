import CLibUSB
import DeviceProtocol
import Foundation

/// Counters of what the bulk-IN stream met (read from any thread after `close`).
public struct USBStreamStats: Sendable, Equatable {
    public var transfersCompleted = 0
    public var bytes = 0
    public var timeouts = 0
    public var overflows = 0
    public var stalls = 0
}

/// Continuous bulk-IN streaming with several asynchronous transfers in flight. Completions run on
/// the context's event thread; they copy the bytes into a queue and resubmit at once.
public final class USBStream: ByteSource, @unchecked Sendable {
    public let device: USBDevice
    public let transfersInFlight: Int
    public let bufferBytes: Int
    let queue = ByteQueue()
    private var transfers: [UnsafeMutablePointer<libusb_transfer>] = []
    private var buffers: [UnsafeMutablePointer<UInt8>] = []
    private let lock = NSLock()
    private var active = 0
    private var cancelling = false
    private var statsStorage = USBStreamStats()
    private var closed = false
    private let allDone = DispatchSemaphore(value: 0)

    public var stats: USBStreamStats { lock.withLock { statsStorage } }

    /// - Parameters:
    ///   - transfers: bulk-IN transfers kept in flight.
    ///   - packetsPerTransfer: each buffer holds this many max-size packets (a multiple of wMaxPacketSize,
    ///     so the device never overflows a buffer mid-packet).
    public init(device: USBDevice, transfers count: Int = 4, packetsPerTransfer: Int = 16) throws(USBError) {
        precondition(count >= 1 && packetsPerTransfer >= 1)
        self.device = device
        transfersInFlight = count
        bufferBytes = device.maxPacketSize * packetsPerTransfer
        device.context.startEventThread()
        let me = Unmanaged.passUnretained(self).toOpaque()
        for _ in 0..<count {
            guard let t = libusb_alloc_transfer(0) else {
                throw USBError(code: LIBUSB_ERROR_NO_MEM.rawValue, call: "libusb_alloc_transfer")
            }
            let b = UnsafeMutablePointer<UInt8>.allocate(capacity: bufferBytes)
            // Timeout 0: a silent device is noticed by the reader's idle clock, not by failing transfers.
            cw_fill_bulk_transfer(t, device.handle, device.bulkInAddress, b, Int32(bufferBytes), usbStreamCallback,
                                  me, 0)
            transfers.append(t)
            buffers.append(b)
        }
        for t in transfers {
            lock.withLock { active += 1 }
            do throws(USBError) {
                try usbCall("libusb_submit_transfer") { libusb_submit_transfer(t) }
            } catch {
                lock.withLock { active -= 1 }
                close()
                throw error
            }
        }
    }

    deinit {
        close()
    }

    fileprivate func completed(_ t: UnsafeMutablePointer<libusb_transfer>) {
        let status = t.pointee.status
        var resubmit = false
        switch status {
        case LIBUSB_TRANSFER_COMPLETED:
            let n = Int(t.pointee.actual_length)
            if n > 0 { queue.push(UnsafeRawBufferPointer(start: t.pointee.buffer, count: n)) }
            lock.withLock { statsStorage.transfersCompleted += 1; statsStorage.bytes += n }
            resubmit = true
        case LIBUSB_TRANSFER_TIMED_OUT:
            let n = Int(t.pointee.actual_length)
            if n > 0 { queue.push(UnsafeRawBufferPointer(start: t.pointee.buffer, count: n)) }
            lock.withLock { statsStorage.timeouts += 1; statsStorage.bytes += n }
            resubmit = true
        case LIBUSB_TRANSFER_OVERFLOW:
            // The device sent more than the buffer holds: those bytes are gone; the decoder's sequence check counts
            // the frames.
            lock.withLock { statsStorage.overflows += 1 }
            resubmit = true
        case LIBUSB_TRANSFER_STALL:
            lock.withLock { statsStorage.stalls += 1 }
            // clear_halt is a single ioctl on Linux, safe on the event thread.
            let r = libusb_clear_halt(device.handle, device.bulkInAddress)
            if r < 0 {
                queue.end("the device stalled bulk IN and clearing the halt failed: "
                          + "\(USBError(code: r, call: "libusb_clear_halt"))")
            }
            resubmit = r >= 0
        case LIBUSB_TRANSFER_NO_DEVICE:
            queue.end("the device was unplugged (LIBUSB_TRANSFER_NO_DEVICE)")
        case LIBUSB_TRANSFER_CANCELLED:
            break
        default:
            queue.end("bulk IN transfer failed (libusb transfer status \(status.rawValue)); reconnecting")
        }
        if resubmit && !lock.withLock({ cancelling }) {
            let r = libusb_submit_transfer(t)
            if r == 0 { return }
            queue.end("resubmitting bulk IN failed: \(USBError(code: r, call: "libusb_submit_transfer"))")
        }
        let left = lock.withLock { active -= 1; return active }
        if left == 0 { allDone.signal() }
    }

    public func next(timeoutSeconds: Double) -> SourceEvent {
        queue.pop(timeoutSeconds: timeoutSeconds)
    }

    public func send(_ command: Command) throws {
        try device.send(command)
    }

    /// Cancels the transfers, waits for them to come back, frees them and closes the device.
    public func close() {
        let wasClosed = lock.withLock { () -> Bool in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        let waiting = lock.withLock { () -> Int in cancelling = true; return active }
        if waiting > 0 {
            for t in transfers { _ = libusb_cancel_transfer(t) }
            if allDone.wait(timeout: .now() + 5) == .timedOut {
                // Leak rather than free memory libusb may still write into.
                device.close()
                return
            }
        }
        for t in transfers { libusb_free_transfer(t) }
        for b in buffers { b.deallocate() }
        transfers.removeAll()
        buffers.removeAll()
        device.close()
    }
}

private func usbStreamCallback(_ t: UnsafeMutablePointer<libusb_transfer>?) {
    guard let t, let user = t.pointee.user_data else { return }
    Unmanaged<USBStream>.fromOpaque(user).takeUnretainedValue().completed(t)
}
