"""Partner-API client logs: a courier, a payment gateway and an SMS gateway."""

from __future__ import annotations

from jobs.sample_lake.ingress import weighted
from jobs.sample_lake.outputs import Lake, TextOut

PARTNERS = ("shipfast", "paynexa", "textbee")


class Partners:
    """HTTP client logs of a courier, a payment gateway and an SMS gateway."""

    PII_RATE = 0.06

    def __init__(self, lake: Lake) -> None:
        self.v, self.c = lake.v, lake.clock
        self.tables = {
            "shipfast": weighted(
                [(self.courier_track, 60), (self.courier_manifest, 25), (self.courier_webhook, 15)],
                [(self.courier_create, 70), (self.courier_ndr, 30)],
                self.PII_RATE,
            ),
            "paynexa": weighted(
                [(self.pay_capture, 55), (self.pay_settlement, 25), (self.pay_refund, 20)],
                [(self.pay_webhook, 60), (self.pay_card, 25), (self.pay_gstin, 15)],
                self.PII_RATE,
            ),
            "textbee": weighted(
                [(self.sms_dlr, 70), (self.sms_balance, 15), (self.sms_template, 15)],
                [(self.sms_submit, 100)],
                self.PII_RATE,
            ),
        }

    def _p(self, cls: str, level: str = "INFO") -> str:
        thread = f"http-nio-8080-exec-{self.v.num(1, 40)}"
        return f"{self.c.java()} {level:<5} [{thread}] c.s.partner.{cls} -"

    def courier_track(self, out: TextOut) -> str:
        v = self.v
        status = v.pick(("IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "RTO"))
        hub = v.pick(("Bhiwandi Hub", "Gurgaon Gateway", "Hoskote DC", "Kolkata Mother Hub"))
        return (
            f"{self._p('ShipFastClient')} <<< 200 GET /v2/track/{v.awb()} ({v.num(20, 900)} ms) "
            f'{{"status":"{status}","hub":"{hub}",'
            f'"updated_at":{self.c.epoch_ms()},"attempts":{v.num(0, 3)}}}'
        )

    def courier_manifest(self, out: TextOut) -> str:
        v = self.v
        return (
            f"{self._p('ShipFastClient')} >>> POST /v2/manifests "
            f'{{"manifest_id":"MF{v.digits(9)}","pickup_location":"WH-BLR-{v.num(1, 9):02d}",'
            f'"awbs":["{v.awb()}","{v.awb()}","{v.awb()}"],"pickup_date":"{self.c.local()[:10]}"}}'
        )

    def courier_webhook(self, out: TextOut) -> str:
        v = self.v
        location = f"{v.pick(('BLR', 'DEL', 'BOM', 'MAA'))}{v.num(10, 99)}"
        return (
            f"{self._p('ShipFastWebhook')} webhook awb={v.awb()} event=SCAN "
            f"location_code={location} "
            f"order_id={v.od()} scanned_at={self.c.epoch_ms()} signature={v.hex(64)}"
        )

    def courier_create(self, out: TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        name, phone = v.person(first, last), v.phone()
        full, _l1, _loc, city, pin = v.address()
        alt = v.phone()
        out.plant("PERSON", name)
        out.plant("PHONE_NUMBER", phone)
        out.plant("PHONE_NUMBER", alt)
        out.plant("STREET_ADDRESS", full)
        return (
            f"{self._p('ShipFastClient')} >>> POST /v2/shipments "
            f'{{"order_id":"{v.od()}","payment_mode":"{v.pick(("COD", "Prepaid"))}",'
            f'"consignee":{{"name":"{name}","phone":"{phone}","alt_phone":"{alt}",'
            f'"address":"{full}","city":"{city}","pin":"{pin}"}},'
            f'"weight":{v.num(100, 9000) / 1000:.3f}}}'
        )

    def courier_ndr(self, out: TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        phone = v.phone()
        out.plant("PHONE_NUMBER", phone)
        name = f"{first} {last}"
        out.plant("PERSON", name)
        return (
            f"{self._p('ShipFastWebhook', 'WARN')} NDR awb={v.awb()} reason=CUSTOMER_UNREACHABLE "
            f'remarks="Called {name} on {phone}, no response, reattempt tomorrow"'
        )

    def pay_capture(self, out: TextOut) -> str:
        v = self.v
        return (
            f"{self._p('PaynexaClient')} <<< 200 POST /v1/payments/{v.pay_id()}/capture "
            f'{{"status":"captured","amount":{v.num(4900, 9999900)},"currency":"INR",'
            f'"method":"card","card":{{"last4":"{v.digits(4)}",'
            f'"network":"{v.pick(("Visa", "MasterCard", "RuPay"))}",'
            f'"masked":"{v.masked_card()}"}},"rrn":"{v.txn12()}","bank_ref":"{v.ref16()}",'
            f'"created_at":{self.c.epoch_ms()[:10]}}}'
        )

    def pay_settlement(self, out: TextOut) -> str:
        v = self.v
        return (
            f"{self._p('PaynexaSettlementJob')} settlement setl_{v.hex(14)} utr={v.txn12()} "
            f"amount={v.amount()} fees={v.num(1, 900)}.{v.num(10, 99)} count={v.num(10, 5000)}"
        )

    def pay_refund(self, out: TextOut) -> str:
        v = self.v
        return (
            f"{self._p('PaynexaClient')} <<< 200 POST /v1/refunds "
            f'{{"id":"rfnd_{v.hex(14)}","payment_id":"{v.pay_id()}","amount":{v.num(100, 500000)},'
            f'"speed":"normal","acquirer_data":{{"arn":"{v.ref16()}"}},"status":"processed"}}'
        )

    def pay_webhook(self, out: TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        email, contact = v.email(first, last), v.pick((f"+91{v.mobile10()}", v.mobile10()))
        vpa = v.upi(first, contact[-10:])
        out.plant("EMAIL_ADDRESS", email)
        out.plant("PHONE_NUMBER", contact)
        out.plant("IN_UPI_ID", vpa)
        return (
            f"{self._p('PaynexaWebhook')} event=payment.captured payload="
            f'{{"id":"{v.pay_id()}","method":"upi","vpa":"{vpa}","email":"{email}",'
            f'"contact":"{contact}","amount":{v.num(4900, 9999900)},"fee":{v.num(100, 9000)}}}'
        )

    def pay_card(self, out: TextOut) -> str:
        v = self.v
        first, last = v.name_parts()
        card, _ = v.card()
        holder = f"{first} {last}".upper()
        out.plant("CREDIT_CARD", card)
        out.plant("PERSON", holder)
        return (
            f"{self._p('PaynexaClient', 'ERROR')} tokenization failed card_number={card} "
            f'name_on_card="{holder}" error=BAD_REQUEST_ERROR retry=false'
        )

    def pay_gstin(self, out: TextOut) -> str:
        v = self.v
        gstin = v.gstin()
        out.plant("IN_GSTIN", gstin)
        return (
            f"{self._p('PaynexaInvoice')} invoice generated inv_{v.hex(12)} seller_gstin={gstin} "
            f"taxable={v.amount()} igst=18%"
        )

    def sms_dlr(self, out: TextOut) -> str:
        v = self.v
        return (
            f"{self._p('TextbeeClient')} DLR "
            f'{{"msg_id":"{v.uuid()}",'
            f'"status":"{v.pick(("DELIVRD", "DELIVRD", "UNDELIV", "EXPIRED"))}",'
            f'"dlt_template_id":"{v.dlt()}","submitted_at":{self.c.epoch_ms()},'
            f'"parts":{v.num(1, 2)},"operator":"{v.pick(("JIO", "AIRTEL", "VI", "BSNL"))}"}}'
        )

    def sms_balance(self, out: TextOut) -> str:
        v = self.v
        return (
            f"{self._p('TextbeeClient')} balance credits={v.num(10000, 900000)} "
            "sender_id=SHPKRT route=transactional"
        )

    def sms_template(self, out: TextOut) -> str:
        v = self.v
        return (
            f"{self._p('TextbeeClient')} template approved dlt_template_id={v.dlt()} "
            f'entity_id={v.dlt()} text="Your order {{#var#}} has been shipped via {{#var#}}"'
        )

    def sms_submit(self, out: TextOut) -> str:
        v = self.v
        m = v.mobile10()
        to = v.pick((v.with91(m), f"+91{m}"))
        otp = v.digits(6)
        out.plant("PHONE_NUMBER", to)
        out.plant("OTP_CODE", otp)
        return (
            f"{self._p('TextbeeClient')} >>> POST /api/v2/sms "
            f'{{"to":"{to}","sender":"SHPKRT","dlt_template_id":"{v.dlt()}",'
            f'"text":"{otp} is your OTP to confirm order {v.od()}. Do not share it. -ShopKart"}}'
        )
