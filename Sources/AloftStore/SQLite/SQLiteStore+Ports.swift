public import AloftCore

extension SQLiteStore: RunReader, AgentStore, RunPruner {}
