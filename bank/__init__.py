"""The bank: object store backends, key layout, checkpoint indices, leases and the chunk store.

Entry points: `open_bank(config)` gives a Bank; `Bank.checkpoints`, `Bank.leases`,
`Bank.write_stream/read_stream`; `gc.collect_garbage`, `verify.verify_checkpoint`;
`service.BankServicer` (gRPC) with `tokens.issue_section_token`; `client.SectionClient` for
plugins. Modules are imported lazily by the caller, so importing smaug.bank stays cheap.
"""
