import Testing

/// Polls `condition` until it holds or `timeout` passes (then the test fails with `what`): for what another
/// process or node does in its own time. Patient (a loaded machine can starve a test for seconds): it returns as
/// soon as the condition holds.
public func eventually(
    _ what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("timed out waiting: \(what)", sourceLocation: sourceLocation)
}
