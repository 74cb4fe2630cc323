"""S3 (prefix `s3`): object calls on `arn:aws:s3:::<bucket>/<key>`, bucket calls on `arn:aws:s3:::<bucket>`.

The actions whose names differ from the operation's are listed (HeadObject is `s3:GetObject`, a listing is
`s3:ListBucket`, a versioned read or delete the `...Version` action, CopyObject reads its source and writes
its target, DeleteObjects deletes each key); any other operation with a `Key` is its own action on the object,
without one on the bucket.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import unquote

from localcloud.iam.requests.call import Authorization, Call

RENAMED: Final = {
    "HeadObject": "GetObject",
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "AbortMultipartUpload": "AbortMultipartUpload",
    "ListParts": "ListMultipartUploadParts",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "GetObjectAttributes": "GetObject",
}
VERSIONED: Final = {
    "GetObject": "GetObjectVersion",
    "DeleteObject": "DeleteObjectVersion",
    "HeadObject": "GetObjectVersion",
}
NO_RESOURCE: Final = frozenset({"ListBuckets", "ListDirectoryBuckets"})


def _bucket(call: Call, bucket: Any) -> str:
    return f"arn:{call.partition}:s3:::{bucket}"


def _object(call: Call, bucket: Any, key: Any) -> str:
    return f"arn:{call.partition}:s3:::{bucket}/{key}"


def authorizations(call: Call) -> list[Authorization]:
    params, operation = call.params, call.operation
    if operation in NO_RESOURCE:
        return [call.authorization(call.action("ListAllMyBuckets"), "*")]
    bucket = params.get("Bucket")
    if bucket is None:
        return []
    if operation == "DeleteObjects":
        objects = (params.get("Delete") or {}).get("Objects") or []
        return [
            call.authorization(
                call.action("DeleteObjectVersion" if item.get("VersionId") else "DeleteObject"),
                _object(call, bucket, item["Key"]),
            )
            for item in objects
        ]
    if operation == "CopyObject":
        return [*_copy_source(call, params.get("CopySource")), _put(call, bucket, params["Key"])]
    name = RENAMED.get(operation, operation)
    if params.get("VersionId") and operation in VERSIONED:
        name = VERSIONED[operation]
    if "Key" in params:
        return [call.authorization(call.action(name), _object(call, bucket, params["Key"]))]
    return [call.authorization(call.action(name), _bucket(call, bucket))]


def _put(call: Call, bucket: Any, key: Any) -> Authorization:
    return call.authorization(call.action("PutObject"), _object(call, bucket, key))


def _copy_source(call: Call, source: Any) -> list[Authorization]:
    if isinstance(source, dict):
        bucket, key, version = source.get("Bucket"), source.get("Key"), source.get("VersionId")
    elif isinstance(source, str):
        path, _, query = source.lstrip("/").partition("?versionId=")
        bucket, _, key = path.partition("/")
        key, version = unquote(key), query or None
    else:
        return []
    action = "GetObjectVersion" if version else "GetObject"
    return [call.authorization(call.action(action), _object(call, bucket, key))]
