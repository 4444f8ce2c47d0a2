"""Template credentials as the plugin keeps them: encrypted at rest, removed from GET, excluded from search.

- At rest: `EncryptorUtils.encryptTemplateCredentials` (ff:util/EncryptorUtils.java:146-200) replaces
  every value of every node's `credential` map, in every workflow, with an AWS Encryption SDK message
  (base64). The emulator stores a keyed digest in the same envelope form instead: the plaintext is
  never kept, equal secrets give equal ciphertexts (reprovision compares decrypted inputs), and
  nothing can turn it back into the secret.
- GET: `redactTemplateSecuredFields` (EncryptorUtils.java:266-296) drops `credential` from every node
  of every workflow.
- Search: `RestHandlerUtils.getSourceContext` (ff:util/RestHandlerUtils.java:32-60) only excludes
  `workflows.provision.nodes.user_inputs.credential`, so another workflow's credential comes back as
  its ciphertext.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import random

from emulator.opensearch_flow.domain import Template

CREDENTIAL_FIELD = "credential"
SEARCH_CREDENTIAL_PATH = "workflows.provision.nodes.user_inputs.credential"
# an AWS Encryption SDK v2 message starts with version 0x02 and algorithm suite 0x0578 ("AgV4" in base64)
_ENVELOPE = b"\x02\x05\x78"


class CredentialCipher:
    """One master key per tenant, like the plugin's per-tenant key in its config index."""

    def __init__(self, seed: int | str | None) -> None:
        rng = random.Random(f"flow-master-key:{seed}") if seed is not None else random.SystemRandom()
        self.key = bytes(rng.getrandbits(8) for _ in range(32))

    def encrypt(self, value: str, tenant_id: str | None) -> str:
        if value.startswith("AgV4") and self._owns(value):
            return value  # already at rest (a stored template written back by update_fields)
        msg = f"{tenant_id or ''}\0{value}".encode()
        digest = hmac.new(self.key, msg, hashlib.sha256).digest()
        tag = hmac.new(self.key, digest, hashlib.sha256).digest()[:16]
        return base64.b64encode(_ENVELOPE + digest + tag).decode()

    def _owns(self, value: str) -> bool:
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            return False
        if len(raw) != len(_ENVELOPE) + 48 or not raw.startswith(_ENVELOPE):
            return False
        digest, tag = raw[3:35], raw[35:]
        return hmac.compare_digest(hmac.new(self.key, digest, hashlib.sha256).digest()[:16], tag)

    def encrypt_template(self, template: Template, tenant_id: str | None = None) -> Template:
        """processTemplateCredentials(template, encrypt): every workflow, every node with a credential map."""
        for workflow in template.get("workflows", {}).values():
            for node in workflow["nodes"]:
                inputs = node["user_inputs"]
                cred = inputs.get(CREDENTIAL_FIELD)
                if isinstance(cred, dict):
                    inputs[CREDENTIAL_FIELD] = {k: self.encrypt(str(v), tenant_id) for k, v in cred.items()}
                elif cred is not None:  # not a map: the plugin's cast fails; the value is still never kept
                    inputs[CREDENTIAL_FIELD] = self.encrypt(str(cred), tenant_id)
        return template
