"""The inputs a load takes besides the file: what ``--stage``/``--region`` and the environment give."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["LoadOptions"]


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """Options shared by every loader.

    Attributes:
        stage: ``--stage`` (serverless ``${opt:stage}``; the stage of a standalone OpenAPI REST API).
        region: ``--region``; otherwise the file's (serverless ``provider.region``) or us-east-1.
        account_id: the account id used in ARNs and ``AWS::AccountId`` (LocalStack uses 000000000000 too).
        env: the environment for ``${env:...}``; None reads ``os.environ`` at load time.
        parameter_overrides: CloudFormation parameter values (SAM ``--parameter-overrides``).
        stack_name: ``AWS::StackName``; defaults to the project folder's name.
    """

    stage: str | None = None
    region: str | None = None
    account_id: str = "000000000000"
    env: Mapping[str, str] | None = None
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    stack_name: str | None = None

    def environment(self) -> Mapping[str, str]:
        return os.environ if self.env is None else self.env
