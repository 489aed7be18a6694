"""Checks model-server payloads against the official SDKs' types.

Reads a JSON document from the file named on the command line:
  {"gemini": {"responses": [...], "requests": [...]},
   "openai": {"responses": [...], "chunks": [...], "requests": [...]}}
Gemini payloads are validated with google-genai's pydantic types, which forbid unknown
fields (so a misspelt field fails); OpenAI's with the openai SDK's. Prints `ok <what> <n>`
per group checked; exits non-zero at the first payload that does not validate.
"""
import json
import sys

import pydantic
from google.genai import types as genai
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.chat import completion_create_params


def fail(what, index, payload, error):
    print(f"FAIL {what}[{index}]: {error}\n{json.dumps(payload)[:2000]}")
    sys.exit(1)


def check_gemini(group):
    for index, payload in enumerate(group.get("responses", [])):
        try:
            genai.GenerateContentResponse.model_validate(payload)
        except pydantic.ValidationError as error:
            fail("gemini.responses", index, payload, error)
    print("ok gemini.responses", len(group.get("responses", [])))
    for index, body in enumerate(group.get("requests", [])):
        # The REST body: contents, systemInstruction, tools, generationConfig (nothing else).
        unknown = set(body) - {"contents", "systemInstruction", "tools", "generationConfig", "toolConfig", "safetySettings"}
        if unknown:
            fail("gemini.requests", index, body, f"unknown fields {sorted(unknown)}")
        try:
            for content in body["contents"]:
                genai.Content.model_validate(content)
                if content.get("role") not in ("user", "model"):
                    raise ValueError(f"role {content.get('role')!r}")
            if "systemInstruction" in body:
                genai.Content.model_validate(body["systemInstruction"])
            for tool in body.get("tools", []):
                genai.Tool.model_validate(tool)
            if "generationConfig" in body:
                genai.GenerationConfig.model_validate(body["generationConfig"])
        except (pydantic.ValidationError, ValueError, KeyError) as error:
            fail("gemini.requests", index, body, error)
    print("ok gemini.requests", len(group.get("requests", [])))


def check_openai(group):
    for index, payload in enumerate(group.get("responses", [])):
        try:
            ChatCompletion.model_validate(payload, strict=False)
        except pydantic.ValidationError as error:
            fail("openai.responses", index, payload, error)
    print("ok openai.responses", len(group.get("responses", [])))
    for index, payload in enumerate(group.get("chunks", [])):
        try:
            ChatCompletionChunk.model_validate(payload)
        except pydantic.ValidationError as error:
            fail("openai.chunks", index, payload, error)
    print("ok openai.chunks", len(group.get("chunks", [])))
    adapter = pydantic.TypeAdapter(completion_create_params.CompletionCreateParamsBase)
    for index, body in enumerate(group.get("requests", [])):
        try:
            adapter.validate_python(body)
        except pydantic.ValidationError as error:
            fail("openai.requests", index, body, error)
    print("ok openai.requests", len(group.get("requests", [])))


def main():
    with open(sys.argv[1]) as file:
        document = json.load(file)
    if "gemini" in document:
        check_gemini(document["gemini"])
    if "openai" in document:
        check_openai(document["openai"])


if __name__ == "__main__":
    main()
