#!/usr/bin/env python3
"""Writes the descriptor set of Temporal's WorkflowService API, pruned to what Aloft uses.

    descriptors.py OUT.pb > files.txt

Reads the API from the `temporalio` package (its generated Python modules carry every
.proto as a descriptor), keeps the RPCs in KEEP_RPCS with the request/response messages
they reach and the files those need, and prints the Temporal files to generate, one a line.
"""
import sys

from google.protobuf import descriptor_pb2
import temporalio.api.workflowservice.v1.service_pb2 as service_pb2

# What a client (start, signal, cancel, describe, history) and a worker (poll, respond,
# heartbeat, shut down) call; nothing else is generated.
KEEP_RPCS = {
    "DescribeNamespace", "RegisterNamespace", "GetSystemInfo",
    "StartWorkflowExecution", "SignalWorkflowExecution", "SignalWithStartWorkflowExecution",
    "RequestCancelWorkflowExecution", "TerminateWorkflowExecution", "DescribeWorkflowExecution",
    "GetWorkflowExecutionHistory", "ListWorkflowExecutions",
    "PollWorkflowTaskQueue", "RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed",
    "PollActivityTaskQueue", "RecordActivityTaskHeartbeat", "RespondActivityTaskCompleted",
    "RespondActivityTaskFailed", "RespondActivityTaskCanceled", "ShutdownWorker",
}
SERVICE = "temporal/api/workflowservice/v1/service.proto"
REQUESTS = "temporal/api/workflowservice/v1/request_response.proto"


def all_files():
    """Every file the service needs, dependencies first."""
    seen, order = set(), []

    def walk(descriptor):
        if descriptor.name in seen:
            return
        seen.add(descriptor.name)
        for dependency in descriptor.dependencies:
            walk(dependency)
        proto = descriptor_pb2.FileDescriptorProto()
        descriptor.CopyToProto(proto)
        order.append(proto)

    walk(service_pb2.DESCRIPTOR)
    return order


def type_names(proto):
    """The message and enum types a file's fields and methods refer to."""
    names = set()

    def walk(message):
        names.update(field.type_name for field in message.field if field.type_name)
        for nested in message.nested_type:
            walk(nested)

    for message in proto.message_type:
        walk(message)
    for service in proto.service:
        for method in service.method:
            names.update([method.input_type, method.output_type])
    return names


def main():
    order = all_files()
    files = {proto.name: proto for proto in order}
    defined = {}

    def index(prefix, messages, enums, name):
        for enum in enums:
            defined[f"{prefix}.{enum.name}"] = name
        for message in messages:
            qualified = f"{prefix}.{message.name}"
            defined[qualified] = name
            index(qualified, message.nested_type, message.enum_type, name)

    for proto in order:
        index("." + proto.package, proto.message_type, proto.enum_type, proto.name)

    service = files[SERVICE].service[0]
    methods = [method for method in service.method if method.name in KEEP_RPCS]
    missing = KEEP_RPCS - {method.name for method in methods}
    if missing:
        sys.exit(f"the API has no {sorted(missing)}; update KEEP_RPCS")
    del service.method[:]
    service.method.extend(methods)

    requests = files[REQUESTS]
    own = {f".{requests.package}.{message.name}": message for message in requests.message_type}
    reached = set()

    def reach(name):
        if name in reached:
            return
        reached.add(name)
        if name in own:
            for referred in type_names(descriptor_pb2.FileDescriptorProto(message_type=[own[name]])):
                reach(referred)

    for method in methods:
        reach(method.input_type)
        reach(method.output_type)
    kept = [message for message in requests.message_type if f".{requests.package}.{message.name}" in reached]
    del requests.message_type[:]
    requests.message_type.extend(kept)

    needed = set()

    def need(name):
        if name in needed:
            return
        needed.add(name)
        proto = files[name]
        used = {defined[t] for t in type_names(proto) if t in defined} - {name}
        if name in (SERVICE, REQUESTS):
            # Pruned: keep the imports that define options, and those still used.
            used |= {d for d in proto.dependency if "annotations" in d or "options" in d}
        else:
            used |= set(proto.dependency)
        for dependency in used:
            need(dependency)
        dependencies = [d for d in proto.dependency if d in used]
        del proto.dependency[:]
        proto.dependency.extend(dependencies)

    need(SERVICE)
    need(REQUESTS)
    result = descriptor_pb2.FileDescriptorSet(file=[files[name] for name in (p.name for p in order) if name in needed])
    with open(sys.argv[1], "wb") as out:
        out.write(result.SerializeToString())
    for proto in result.file:
        if proto.name.startswith("temporal/api/") and "/protometa/" not in proto.name:
            print(proto.name)
    print(f"{len(needed)} files, {len(kept)} request/response messages, {len(methods)} RPCs", file=sys.stderr)


if __name__ == "__main__":
    main()
