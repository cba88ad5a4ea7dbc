import Foundation
import SystemPackage

// File I/O goes through swift-system's FileDescriptor, which calls again when a signal interrupts a call (EINTR).

extension FileDescriptor {
    /// Takes an exclusive flock on the file (swift-system does not wrap flock), waiting again when a signal
    /// interrupts the wait, as FileDescriptor's own calls do; any other failure is thrown.
    func lockExclusively() throws(Errno) {
        while flock(rawValue, LOCK_EX) == -1 {
            guard errno == EINTR else { throw Errno(rawValue: errno) }
        }
    }
}
