/// What retention deletes of a finished run.
public enum PruneScope: String, Sendable, Hashable, CaseIterable {
    /// The journal and the event log: the run, its answer and its conversation stay, so
    /// sessions go on and runs stay listed; a client asking for pruned events gets `resync`.
    case journalAndEvents = "journal_and_events"
    /// Only the journal; the event log stays, so streams can still be replayed.
    case journal
    /// The whole run: journal, events, messages and the run itself (and a session left empty).
    case wholeRuns = "whole_runs"

}
