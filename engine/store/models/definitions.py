from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.store.db import Base


class Deployment(Base):
    """One upload of BPMN and form files, as the analyst gave them."""

    __tablename__ = "deployment"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    deployed_by: Mapped[str | None] = mapped_column(String(120))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    files: Mapped[list[DeploymentFile]] = relationship(back_populates="deployment",
                                                       order_by="DeploymentFile.id")


class DeploymentFile(Base):
    __tablename__ = "deployment_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))  # bpmn | form | dmn
    form_id: Mapped[str | None] = mapped_column(String(255))
    decision_id: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    deployment: Mapped[Deployment] = relationship(back_populates="files")


class ProcessDefinition(Base):
    """A version of an executable process: its parsed spec and element metadata.

    `content_hash` covers the BPMN file and the forms the process uses, so
    re-deploying identical content finds the same version.
    """

    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("process_id", "version"),
        UniqueConstraint("process_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id"))
    bpmn_file_id: Mapped[int] = mapped_column(ForeignKey("deployment_file.id"))
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    metadata_json: Mapped[str] = mapped_column(Text, deferred=True)
    forms_json: Mapped[str] = mapped_column(Text, deferred=True)
    created_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    """When an admin let this version run (None: waiting; see engine.access.policy on guarded
    service handlers). Versions that call no guarded handler are approved when deployed."""
    approved_by: Mapped[str | None] = mapped_column(String(120))
    deployment: Mapped[Deployment] = relationship()
    bpmn_file: Mapped[DeploymentFile] = relationship()


Index("ix_process_definition_latest", ProcessDefinition.process_id, ProcessDefinition.version)
