"""PartiQL for the table engine: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.

lexer ─▶ parser ─▶ ast ─▶ translate (pure: statements to engine requests) ─▶ execute (through Engine.execute)
"""

from nubis.tables.engine.partiql.execute import batch_execute_statement, execute_statement, execute_transaction

__all__ = ["batch_execute_statement", "execute_statement", "execute_transaction"]
