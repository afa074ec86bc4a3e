"""The outbox and inbox round trip: `flask einvoices send` hands each generated file over once
with its manifest, `flask einvoices receipts` applies SdI's receipts once each."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from portal.clock import as_utc
from portal.einvoices.sending import NotSendable, send_file, send_generated
from portal.einvoices.transmission import FolderTransmitter, transmitter_for
from portal.extensions import db
from portal.models import EInvoiceFile, EInvoiceState, Invoice
from tests.conftest import at_once
from tests.einvoices.conftest import receipt, receipt_name


def _states(app) -> dict[str, tuple[EInvoiceState, str, list]]:
    with app.app_context():
        files = db.session.scalars(select(EInvoiceFile).order_by(EInvoiceFile.id))
        return {file.file_name: (file.state, file.sdi_id, file.problems) for file in files}


def _outbox(folders) -> list[str]:
    return sorted(path.name for path in folders.outbox.iterdir()) if folders.outbox.exists() else []


def test_send_writes_one_xml_and_its_manifest_per_document(
    app, runner, factory, issue, einvoice_file, folders, clock
):
    account_id = factory.account()
    first, second = issue(account_id), issue(account_id, agents=4)
    names = [einvoice_file(first, "00001"), einvoice_file(second, "00002")]

    result = runner.invoke(args=["einvoices", "send"])

    assert result.exit_code == 0, result.output
    assert "sent 2, failed 0" in result.output
    assert _outbox(folders) == sorted(
        [*names, "IT01234567890_00001.json", "IT01234567890_00002.json"]
    )
    with app.app_context():
        file = db.session.scalar(select(EInvoiceFile).where(EInvoiceFile.file_name == names[0]))
        invoice = db.session.get(Invoice, first)
        assert file.state is EInvoiceState.SENT
        assert as_utc(file.sent_at) == clock()
        assert (folders.outbox / names[0]).read_bytes() == file.content
        manifest = json.loads((folders.outbox / "IT01234567890_00001.json").read_text())
        assert manifest == {
            "file_name": names[0],
            "document_number": invoice.number,
            "document_kind": "invoice",
            "document_id": first,
            "account_id": account_id,
            "sha256": hashlib.sha256(file.content).hexdigest(),
            "created_at": as_utc(file.created_at).isoformat(),
            "sent_at": clock().isoformat(),
        }
    # Nothing is left half-written: no temporary file stays in the outbox.
    assert not [name for name in _outbox(folders) if name.startswith(".")]

    again = runner.invoke(args=["einvoices", "send"])
    assert "sent 0, failed 0" in again.output
    assert len(_outbox(folders)) == 4


def test_an_invalid_file_is_never_sent_and_a_sent_one_never_again(
    app, runner, factory, issue, einvoice_file, folders
):
    account_id = factory.account()
    invalid = einvoice_file(
        issue(account_id),
        "00001",
        state=EInvoiceState.INVALID,
        problems=[{"code": "00423", "rule": "line_total", "message": "off by 0.01"}],
    )
    sent = einvoice_file(issue(account_id), "00002", state=EInvoiceState.SENT)
    delivered = einvoice_file(issue(account_id), "00003", state=EInvoiceState.DELIVERED)

    result = runner.invoke(args=["einvoices", "send"])

    assert "sent 0" in result.output
    assert _outbox(folders) == []
    with app.app_context():
        transmitter = transmitter_for(app.config)
        for name in (invalid, sent, delivered):
            file = db.session.scalar(select(EInvoiceFile).where(EInvoiceFile.file_name == name))
            with pytest.raises(NotSendable):
                send_file(file.id, transmitter)
    assert _outbox(folders) == []
    assert {name: state for name, (state, _, _) in _states(app).items()} == {
        invalid: EInvoiceState.INVALID,
        sent: EInvoiceState.SENT,
        delivered: EInvoiceState.DELIVERED,
    }


def test_sending_one_file_twice_is_refused(app, factory, issue, einvoice_file, folders):
    name = einvoice_file(issue(factory.account()), "00001")
    with app.app_context():
        transmitter = transmitter_for(app.config)
        file_id = db.session.scalar(select(EInvoiceFile.id).where(EInvoiceFile.file_name == name))
        send_file(file_id, transmitter)
        with pytest.raises(NotSendable, match="is sent"):
            send_file(file_id, transmitter)
    assert _outbox(folders) == ["IT01234567890_00001.json", name]


class CountingTransmitter(FolderTransmitter):
    """The folder transmitter, counting every hand-over (and slow enough to overlap)."""

    handed_over: list[str] = []

    def send(self, outgoing):
        CountingTransmitter.handed_over.append(outgoing.file_name)
        super().send(outgoing)


def test_two_send_runs_at_once_send_each_file_once(app, factory, issue, einvoice_file, folders):
    account_id = factory.account()
    names = {einvoice_file(issue(account_id, agents=n + 1), f"0000{n}") for n in range(1, 7)}
    CountingTransmitter.handed_over = []

    def run():
        with app.app_context():
            transmitter = CountingTransmitter.from_config(app.config)
            report = send_generated(transmitter)
            db.session.remove()
            return report.sent

    reports = at_once(run, run, run)

    assert sorted(CountingTransmitter.handed_over) == sorted(names)
    assert sorted(name for sent in reports for name in sent) == sorted(names)
    assert {state for state, _, _ in _states(app).values()} == {EInvoiceState.SENT}


def test_a_failed_hand_over_leaves_the_file_generated_for_the_next_run(
    app, runner, factory, issue, einvoice_file, folders
):
    name = einvoice_file(issue(factory.account()), "00001")
    folders.outbox.parent.mkdir(parents=True, exist_ok=True)
    folders.outbox.write_text("a file where the outbox folder should be")

    result = runner.invoke(args=["einvoices", "send"])

    assert result.exit_code == 1
    assert f"not sent: {name}" in result.output
    assert _states(app)[name][0] is EInvoiceState.GENERATED
    folders.outbox.unlink()
    assert runner.invoke(args=["einvoices", "send"]).exit_code == 0
    assert _states(app)[name][0] is EInvoiceState.SENT


@pytest.mark.parametrize(
    ("kind", "state"),
    [
        ("RC", EInvoiceState.DELIVERED),
        ("MC", EInvoiceState.NOT_DELIVERABLE),
        ("NS", EInvoiceState.REJECTED),
    ],
)
def test_a_receipt_moves_the_state_once_and_a_replay_changes_nothing(
    app, runner, factory, issue, einvoice_file, folders, clock, kind, state
):
    name = einvoice_file(issue(factory.account()), "00001")
    runner.invoke(args=["einvoices", "send"])
    folders.drop(receipt_name(name, kind), receipt(kind, name, sdi_id="4455667788"))

    result = runner.invoke(args=["einvoices", "receipts"])

    assert result.exit_code == 0, result.output
    assert "applied 1, already applied 0, refused 0" in result.output
    found_state, sdi_id, problems = _states(app)[name]
    assert (found_state, sdi_id) == (state, "4455667788")
    if kind == "NS":
        assert problems == [{"code": "00404", "rule": "sdi", "message": "Fattura duplicata"}]
    assert (folders.inbox / "processed" / receipt_name(name, kind)).exists()
    assert not (folders.inbox / receipt_name(name, kind)).exists()

    # The same receipt again (SdI re-delivers, or an operator copies it back): nothing moves.
    clock.advance(hours=1)
    folders.drop(receipt_name(name, kind), receipt(kind, name, sdi_id="4455667788"))
    replay = runner.invoke(args=["einvoices", "receipts"])

    assert replay.exit_code == 0, replay.output
    assert "applied 0, already applied 1, refused 0" in replay.output
    assert _states(app)[name] == (found_state, sdi_id, problems)
    with app.app_context():
        file = db.session.scalar(select(EInvoiceFile).where(EInvoiceFile.file_name == name))
        assert as_utc(file.receipt_at) < clock()  # the first receipt's time, kept


def test_a_receipt_for_an_unknown_file_or_a_bad_one_is_set_aside_with_its_reason(
    app, runner, factory, issue, einvoice_file, folders
):
    name = einvoice_file(issue(factory.account()), "00001")
    runner.invoke(args=["einvoices", "send"])
    unknown = "IT01234567890_ZZZZZ.xml"
    folders.drop(receipt_name(unknown, "RC"), receipt("RC", unknown))
    folders.drop("garbage.xml", b"<not closed")
    folders.drop(
        "entities.xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + receipt("RC", name).split(b"?>", 1)[1],
    )
    folders.drop("other.xml", b"<FatturaElettronica/>")
    # Named as a delivery receipt, but it is a rejection.
    folders.drop(receipt_name(name, "RC"), receipt("NS", name))

    result = runner.invoke(args=["einvoices", "receipts"])

    assert result.exit_code == 1
    assert "applied 0, already applied 0, refused 5" in result.output
    failed = folders.inbox / "failed"
    assert (
        "no file named IT01234567890_ZZZZZ.xml"
        in (failed / f"{receipt_name(unknown, 'RC')}.reason.txt").read_text()
    )
    assert "not well-formed" in (failed / "garbage.xml.reason.txt").read_text()
    assert "document type declaration" in (failed / "entities.xml.reason.txt").read_text()
    assert "not an SdI message" in (failed / "other.xml.reason.txt").read_text()
    assert "named RC" in (failed / f"{receipt_name(name, 'RC')}.reason.txt").read_text()
    assert _states(app)[name][0] is EInvoiceState.SENT
    assert [path.name for path in folders.inbox.iterdir() if path.is_file()] == []


def test_a_receipt_for_a_file_never_sent_is_refused(
    app, runner, factory, issue, einvoice_file, folders
):
    name = einvoice_file(issue(factory.account()), "00001")  # generated, not sent
    folders.drop(receipt_name(name, "RC"), receipt("RC", name))

    result = runner.invoke(args=["einvoices", "receipts"])

    assert result.exit_code == 1
    assert "is generated" in result.output
    assert _states(app)[name][0] is EInvoiceState.GENERATED


def test_a_delivery_after_a_rejection_is_refused(
    app, runner, factory, issue, einvoice_file, folders
):
    name = einvoice_file(issue(factory.account()), "00001", state=EInvoiceState.SENT)
    folders.drop(receipt_name(name, "NS", 1), receipt("NS", name, sdi_id="1"))
    folders.drop(receipt_name(name, "RC", 2), receipt("RC", name, sdi_id="1"))

    result = runner.invoke(args=["einvoices", "receipts"])

    assert "applied 1, already applied 0, refused 1" in result.output
    assert _states(app)[name][0] is EInvoiceState.REJECTED


def test_an_unknown_transmitter_setting_is_a_clear_error(app, runner):
    app.config["EINVOICE_TRANSMITTER"] = "carrier-pigeon"
    result = runner.invoke(args=["einvoices", "send"])
    assert result.exit_code == 1
    assert "EINVOICE_TRANSMITTER='carrier-pigeon'" in result.output
