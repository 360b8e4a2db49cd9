import ArgumentParser
import Foundation
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate jobs show ID`: one job, its payload and every attempt.
struct JobsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a job with its payload and attempts.")

    @OptionGroup var runtime: RuntimeOptions
    @Argument(help: "The job id.") var id: Int64
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard let detail = try await runtime.open().stores.jobs.show(id: id) else {
            throw CommandFailure(QueueError.jobNotFound(id: id).description)
        }
        let payload = String(decoding: detail.job.payload, as: UTF8.self)
        if json {
            guard case .object(var job) = JobPresentation.json(detail.job) else { return }
            job["payload"] = (try? JSONParser.parse(Array(detail.job.payload))) ?? .string(payload)
            job["attempts"] = .array(detail.attempts.map(JobPresentation.json))
            JobPresentation.print(.object(job))
        } else {
            print(JobPresentation.line(detail.job))
            print("payload: \(payload)")
            print("attempts: \(detail.attempts.count)")
            detail.attempts.forEach { print(JobPresentation.line($0)) }
        }
    }
}
