"""The Kafka broker's classpath: jars resolved once from Maven Central with deploy/local/kafka-pom.xml, cached under
``${XDG_CACHE_HOME:-~/.cache}/kczg/kafka-<version>/``, and the Java runtime that runs them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from deploy import kafka_settings as S
from deploy.local.packages import apt_install
from deploy.local.processes import StackError, log, run

POM_FILE = Path(__file__).resolve().parent / "kafka-pom.xml"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kczg" / f"kafka-{S.KAFKA_VERSION}"


def ensure_java() -> str:
    """Path of a Java 17+ runtime (Kafka 4.x brokers need 17)."""
    java = shutil.which("java")
    if not java:
        apt_install("openjdk-17-jre-headless")
        java = shutil.which("java")
    version = run([java, "-version"]).stderr
    try:
        major = int(version.split('"')[1].split(".")[0])
    except (IndexError, ValueError):
        major = 0
    if major < 17:
        raise StackError(f"Kafka {S.KAFKA_VERSION} needs Java 17+, found: {version.strip()}")
    return java


def ensure_maven() -> str:
    mvn = shutil.which("mvn")
    if not mvn:
        apt_install("maven")
        mvn = shutil.which("mvn")
    return mvn


def kafka_classpath() -> Path:
    """Directory holding the broker jars; resolved from Maven Central once."""
    target = cache_dir()
    marker = target / ".complete"
    if marker.exists():
        return target
    mvn = ensure_maven()
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    log(f"resolving Kafka {S.KAFKA_VERSION} jars from Maven Central into {target}")
    run(
        [
            mvn, "-q", "-B", "-f", str(POM_FILE),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={partial}",
            f"-Dkafka.version={S.KAFKA_VERSION}",
            f"-Dscala.binary.version={S.SCALA_BINARY_VERSION}",
            f"-Dlog4j.version={S.LOG4J_VERSION}",
            f"-Dslf4j.binding={S.SLF4J_BINDING_ARTIFACT}",
        ]
    )
    check_logging_jars(partial)
    # Publish atomically so an interrupted download is never mistaken for a cache.
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    marker.write_text(f"kafka {S.KAFKA_VERSION}\n")
    log(f"cached {len(list(target.glob('*.jar')))} jars")
    return target


def _jar_version(jars: list[str], artifact: str) -> str | None:
    prefix = artifact + "-"
    for jar in jars:
        rest = jar[len(prefix):-len(".jar")] if jar.startswith(prefix) else ""
        if rest[:1].isdigit():
            return rest
    return None


def check_logging_jars(directory: Path) -> None:
    """Fail early if the SLF4J binding does not fit the resolved jars (silent broker)."""
    jars = sorted(p.name for p in directory.glob("*.jar"))
    core = _jar_version(jars, "log4j-core")
    binding = _jar_version(jars, S.SLF4J_BINDING_ARTIFACT)
    slf4j = _jar_version(jars, "slf4j-api") or ""
    wanted = "log4j-slf4j2-impl" if slf4j.startswith("2.") else "log4j-slf4j-impl"
    if core != binding or wanted != S.SLF4J_BINDING_ARTIFACT:
        raise StackError(
            f"logging jars do not match: log4j-core {core}, slf4j-api {slf4j}, "
            f"{S.SLF4J_BINDING_ARTIFACT} {binding}; set LOG4J_VERSION={core} and "
            f"SLF4J_BINDING_ARTIFACT={wanted} in deploy/kafka_settings.py"
        )
