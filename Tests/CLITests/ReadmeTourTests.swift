import Foundation
import TestSupport
import Testing

/// The README's five-minute tour is what the program prints (issue 16, part 7): every command of its console block
/// is run as shown (from the repository's root, `/tmp/cwtour` replaced by a fresh folder), and every line the
/// README shows under it must appear in what the command printed, in the same order. The README may leave lines
/// out (it says where), never change one.
@Suite(.tags(.cli), .temporaryFolder) struct ReadmeTourTests {
    struct Step {
        var command: String
        var shown: [String]
    }

    /// The commands of the tour's first `console` block and the lines shown under each.
    static func tour() throws -> [Step] {
        let readme = try String(contentsOf: Repository.root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## A five-minute tour"))
        let block = readme[section.upperBound...]
        let start = try #require(block.range(of: "```console\n"))
        let end = try #require(block[start.upperBound...].range(of: "\n```"))
        var steps: [Step] = []
        for line in block[start.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("$ ") {
                steps.append(Step(command: String(line.dropFirst(2)), shown: []))
            } else if !line.isEmpty, !steps.isEmpty {
                steps[steps.count - 1].shown.append(String(line))
            }
        }
        return steps
    }

    /// The command's words without its trailing `# comment`, split as the shell would (the tour quotes nothing
    /// and uses `*` only for Samples' nights).
    static func words(_ command: String, tour: String) throws -> [String] {
        let bare = command.components(separatedBy: "  #").first ?? command
        var words: [String] = []
        for w in bare.replacingOccurrences(of: "/tmp/cwtour", with: tour).split(separator: " ") {
            if w.contains("*") {
                let folder = String(w.split(separator: "*").first ?? "")
                let file = String(w.split(separator: "/").last!)
                let base = Repository.root.appendingPathComponent(folder)
                let names = try FileManager.default.contentsOfDirectory(atPath: base.path).sorted()
                words += names.map { "\(folder)\($0)/\(file)" }
                    .filter { FileManager.default.fileExists(atPath: Repository.root.appendingPathComponent($0).path) }
            } else {
                words.append(String(w))
            }
        }
        return words
    }

    @Test func everyLineTheTourShowsIsWhatTheProgramPrints() async throws {
        let tour = TemporaryFolder.path("cwtour")
        try FileManager.default.createDirectory(atPath: tour, withIntermediateDirectories: true)
        let steps = try Self.tour()
        #expect(steps.count >= 5, "the tour shows at least five commands")
        for step in steps {
            let words = try Self.words(step.command, tour: tour)
            #expect(words.first == "crampwatch", "\(step.command)")
            let r = try await CLI.run(Array(words.dropFirst()), in: Repository.root)
            #expect(!r.signalled && r.status == 0, "\(step.command): \(r.stderr)")
            // Paths as the README writes them: the tour folder as /tmp/cwtour, the checkout's own as relative.
            let printed = (r.stdout + r.stderr).replacingOccurrences(of: tour, with: "/tmp/cwtour")
                .replacingOccurrences(of: Repository.root.path + "/", with: "")
                .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            var next = 0
            for line in step.shown {
                let want = line.trimmingCharacters(in: .whitespaces)
                guard let at = printed[next...].firstIndex(of: want) else {
                    let output = printed.joined(separator: "\n")
                    Issue.record("`\(step.command)`: README shows \"\(want)\", not printed there:\n\(output)")
                    break
                }
                next = at + 1
            }
        }
    }
}
