"""The shared user-facing strings: the runner's in :class:`Texts` (English, marked ``N_`` for the
catalogs, read as ``T.NAME`` in the runner's language: ``bot.core.i18n``), the admins' below as
plain English (admin menus are not translated).

Messages use Telegram HTML: anything interpolated from a person must go through ``html.escape``
(the ``esc`` helper) before it is put into a template here.
"""

from __future__ import annotations

import html

from bot.core.i18n import N_, localized


class Texts:
    """The runner-facing texts in English, the catalogs' source; read them through :data:`T`,
    in the current language."""

    NOT_A_DIAGNOSIS = N_("<i>BackStride gives general guidance, not a diagnosis.</i>")

    WELCOME = N_(
        "👋 <b>Welcome to BackStride!</b>\n\n"
        "I help runners keep lower back pain away: a warm-up nudge before your runs, short "
        "strength and mobility ideas on other days, and a quick check-in after you run.\n\n"
        "I give general guidance, not a diagnosis. If you ever have numbness around your groin or "
        "bottom, new trouble peeing or controlling your bowels, new problems with sex, or "
        "weakness, numbness or pain in both legs, "
        "<b>call your emergency number straight away</b>: don't wait for me.\n\n"
        "I store your settings and your check-in answers so I can time reminders and spot "
        "warning signs. /privacy says more; /delete erases everything.\n\n"
        "Six quick questions and you're set."
    )

    ASK_TIMEZONE = N_(
        "🌍 <b>1/6 · Your time zone</b>\n"
        "Type your city or time zone (for example <i>Berlin</i>, <i>New York</i> or "
        "<i>Europe/Madrid</i>), share your location (📎 → Location), or pick one here:"
    )
    LOCATION_BUTTON = N_("📍 Share my location")
    TZ_SUGGEST = N_("🤔 I'm not sure which one you mean. Is it one of these?")
    TZ_UNKNOWN = N_(
        "I couldn't find a time zone for “{text}”. Try a bigger city nearby (like <i>London</i>), "
        "a zone name like <i>Europe/Paris</i>, or pick a button."
    )
    TZ_SET = N_("✅ Time zone: <b>{zone}</b> (your local time now is {local_time}).")
    TZ_FROM_LOCATION = N_(
        "✅ From your location I picked <b>{zone}</b> (local time now {local_time})."
    )
    TZ_BAD_LOCATION = N_("That location doesn't look right. Please type your city instead.")

    ASK_DAYS = N_(
        "📅 <b>3/6 · Your running days</b>\nTap the days you usually run, then <b>Done</b>."
    )
    DAYS_NONE = N_("Pick at least one day, then tap Done.")
    DONE_BUTTON = N_("Done ✔️")

    ASK_RUN_TIME = N_(
        "⏰ <b>4/6 · When do you usually run?</b>\n"
        "Pick a time or type it, like <i>7:30</i>, <i>18:00</i> or <i>6:15pm</i>."
    )
    RUN_TIME_SET = N_("✅ Usual run time: <b>{time}</b>.")
    TIP_TIME_SET = N_("✅ Daily tip time: <b>{time}</b>.")
    ASK_TIP_TIME = N_(
        "💡 <b>5/6 · When would you like your daily tip?</b>\n"
        "On days without a run I'll send a short strength or mobility idea at this time. "
        "Pick one or type it."
    )
    BAD_TIME = N_(
        "I couldn't read “{text}” as a time. Try something like <i>7:30</i>, <i>07:30</i>, "
        "<i>7.30</i> or <i>7:30pm</i>, or pick a button."
    )

    SUMMARY = N_(
        "<b>Your BackStride settings</b>\n"
        "🌍 Time zone: {zone}\n"
        "🚑 Country: {country} (emergency number {number})\n"
        "📅 Running days: {days}\n"
        "⏰ Usual run time: {run_time}\n"
        "💡 Daily tip: {tip_time}\n"
        "🩺 Check-in: {checkin} after your run · 📊 summary on {summary_day}\n"
        "🧾 Health profile: {risk}\n"
        "📍 Status: {status}"
    )
    CONFIRM_PROMPT = N_("Does this look right?")
    CONFIRM_BUTTON = N_("✅ Looks good")
    CHANGE_BUTTON = N_("✏️ Change something")
    SUBSCRIBED = N_(
        "🎉 You're all set! Your first reminder comes at the right time in your own time zone.\n"
        "/settings changes your answers, /pause takes a break, /help lists everything."
    )
    ALREADY_SUBSCRIBED = N_(
        "You're already subscribed. Nothing has changed; here are your settings:"
    )
    WELCOME_BACK = N_("👋 Welcome back! Your reminders are on again with the settings you had:")
    RESUME_ONBOARDING = N_("Let's pick up where we left off.")

    SETTINGS_MENU = N_("What would you like to change?")
    SETTINGS_BUTTONS = {
        "tz": N_("🌍 Time zone"),
        "days": N_("📅 Running days"),
        "run": N_("⏰ Run time"),
        "tip": N_("💡 Tip time"),
        "delay": N_("🩺 Check-in delay"),
        "summary": N_("📊 Summary day"),
        "country": N_("🚑 Country"),
        "risk": N_("🧾 Health profile"),
    }
    ASK_CHECKIN_DELAY = N_("🩺 <b>How long after your run should I check in?</b>")
    CHECKIN_DELAY_CHOICES = {
        "30": N_("30 min"),
        "60": N_("1 h"),
        "120": N_("2 h"),
        "180": N_("3 h"),
    }
    CHECKIN_DELAY_SET = N_("✅ Check-in: <b>{label}</b> after your run.")
    ASK_SUMMARY_DAY = N_("📊 <b>Which day would you like your weekly summary?</b>")
    SUMMARY_DAY_SET = N_("✅ Weekly summary on <b>{day}</b>.")
    SETTINGS_CLOSE = N_("✔️ Close")
    SETTINGS_SAVED = N_("Saved. Anything else?")
    SETTINGS_CLOSED = N_("👍 Settings saved.")
    NOT_SUBSCRIBED = N_("You're not subscribed yet. Send /start to begin.")
    # For a runner who sent /stop: not "not subscribed yet", which is for someone who never
    # finished /start.
    UNSUBSCRIBED = N_("You've unsubscribed. Send /start to come back.")
    ALREADY_UNSUBSCRIBED = N_("You're already unsubscribed; send /start to subscribe again.")
    ONBOARDING_GO_ON = N_("For anything else, carry on with the question above when you're ready.")

    ASK_COUNTRY = N_(
        "🚑 <b>2/6 · Which country are you in?</b>\n"
        "I ask so that, if you ever tell me about a warning sign, I can give you the right "
        "emergency number."
    )
    COUNTRY_SUGGESTED = N_(
        "From your time zone I'd guess <b>{name}</b>: tap to confirm, or pick another."
    )
    COUNTRY_TYPE = N_(
        "Type your country's name (for example <i>Spain</i> or <i>Canada</i>), or tap one."
    )
    COUNTRY_OTHER = N_("🌍 Another country")
    COUNTRY_SKIP = N_("Skip")
    COUNTRY_WHICH = N_("Which one do you mean?")
    COUNTRY_UNKNOWN = N_(
        "I couldn't find a country called “{text}”. Try its English name, or tap Skip."
    )
    COUNTRY_SET = N_(
        "✅ Country: <b>{name}</b>. In an emergency I'll tell you to call <b>{number}</b>."
    )
    # {number} is UNKNOWN_NUMBER (format it in): the words that name the common numbers.
    COUNTRY_SET_NO_NUMBER = N_(
        "✅ Country: <b>{name}</b>. I don't have its emergency number, so in an emergency I'll "
        "tell you to call {number}."
    )
    _COUNTRY_SKIPPED = N_(
        "OK. In an emergency I'll tell you to call {number}. You can add your country in /settings."
    )
    ASK_RISK = N_("🧾 <b>6/6 · A few health questions</b>")
    RISK_AGE = N_("Age")
    RISK_DECLINE_BUTTON = N_("Prefer not to say")
    RISK_SAVED = N_("✅ Health profile saved. You can change it any time in /settings.")
    RISK_SAVED_DECLINED = N_("👍 No problem. You can add it later in /settings.")
    UNKNOWN_NUMBER = N_("112 (or 911 in North and Central America, 999 in the UK)")
    RISK_DECLINED = N_("prefer not to say")
    RISK_NONE = N_("none of these")
    AGE_BAND_LABELS = {"under_20": N_("Under 20"), "20_50": N_("20-50"), "over_50": N_("Over 50")}

    STATUS_LABELS = {
        "onboarding": N_("setting up"),
        "active": N_("active"),
        "paused": N_("paused"),
        "stopped": N_("stopped"),
        "blocked": N_("stopped"),
    }
    PAUSED_UNTIL = N_("paused until {until}")

    ASK_PAUSE = N_("⏸ How long would you like a break from reminders?")
    PAUSE_BUTTONS = {"1d": N_("1 day"), "1w": N_("1 week"), "open": N_("Until I resume")}
    PAUSED_FOR = N_("⏸ Paused until {until}. Send /resume to start again sooner.")
    PAUSED_OPEN = N_("⏸ Paused. Send /resume whenever you're ready.")
    RESUMED = N_("▶️ Welcome back! Reminders are on again.")
    NOT_PAUSED = N_("Your reminders are already on. Use /pause to take a break.")
    STOPPED = N_(
        "🛑 Done: I won't send you any more messages. Your settings are kept, so /start "
        "brings everything back. To erase your data instead, send /delete."
    )
    ALREADY_STOPPED = N_("You're already unsubscribed. Send /start to subscribe again.")

    _HELP = N_(
        "<b>BackStride commands</b>\n"
        "/start – subscribe or see your settings\n"
        "/settings – change time zone, running days or times\n"
        "/tip – a tip right now\n"
        "/checkin – a check-in now · /ran – I just ran (check-in in an hour)\n"
        "/progress – your last 28 days\n"
        "/returntorun – a step-by-step walk-run plan back to running\n"
        "/pause – take a break · /resume – start again\n"
        "/stop – no more messages (your data is kept)\n"
        "/privacy – what I store and why · /mydata – download it · /delete – erase it\n"
        "/language – English, Español, Русский\n"
        "/help – this list\n\n"
        "If you have numbness around your groin or bottom, new trouble peeing or with your bowels, "
        "new problems with sex, or weakness, numbness or pain in both legs, call your emergency "
        "number now. If you type what you feel, I'll point you to the check-in.\n"
    )
    PRIVACY = N_(
        "<b>What BackStride stores</b>\n"
        "• Your Telegram chat id, so I can message you.\n"
        "• Your settings: language, time zone, country (for the emergency number), running "
        "days, run and tip times.\n"
        "• If you chose to answer them, your health-profile answers (age band, past cancer, "
        "steroids or osteoporosis, weakened immunity, under-fuelling): only to decide when to "
        "suggest seeing a doctor. Change them in /settings.\n"
        "• Which reminders I sent and whether you tapped Done, your level in each strength "
        "exercise, and your step on the return-to-run plan.\n"
        "• Your check-in answers (pain score and warning signs), to spot patterns and escalate.\n"
        "Why: to send reminders at your local time, to stop repeating tips, and to spot warning "
        "signs and patterns in your answers. I don't store your name or what you type, and I "
        "never share your data. /mydata sends you a copy; /stop ends all messages; /delete "
        "erases everything about you."
    )

    MYDATA_CAPTION = N_("📦 Everything BackStride stores about you, as JSON.")
    DELETE_CONFIRM = N_(
        "🗑 <b>Erase everything about you?</b>\n"
        "Your settings, reminder history and check-in answers will be deleted for good, and I "
        "will stop messaging you. This can't be undone."
    )
    DELETE_YES = N_("Yes, erase it all")
    DELETE_NO = N_("No, keep it")
    DELETED = N_(
        "Done: everything about you is erased. Send /start if you ever want to come back. 👋"
    )
    DELETE_KEPT = N_("OK, nothing was deleted.")
    NOTHING_STORED = N_("I don't have anything stored about you.")

    # Nudges for input I can't use.
    USE_BUTTONS = N_(
        "Please use the buttons above (or type your answer where I asked you to type)."
    )
    STALE_BUTTON = N_("That button belongs to an earlier conversation. Send /settings or /help.")
    UNKNOWN_COMMAND = N_("I don't know that command. /help lists what I can do.")
    UNKNOWN_TEXT = N_(
        "I'm a reminder bot, so I can't chat, but I'm here for you. /help lists what I can do."
    )
    NOT_TEXT = N_("I can only read text and button presses. /help lists what I can do.")
    PRIVATE_ONLY = N_("I only work in a private chat. Open a chat with me to subscribe.")
    SLOW_DOWN = N_(
        "You're sending a lot at once. I'll catch up with the first ones; please wait a moment "
        "before sending more."
    )

    # Reminders
    TIP_DONE = N_("✅ Done")
    TIP_SNOOZE = N_("⏰ Snooze 1 h")
    TIP_ANOTHER = N_("🔄 Another tip")
    TIP_DONE_THANKS = N_("Nice work! 💪")
    TIP_ALREADY_DONE = N_("Already marked as done 👍")
    TIP_SNOOZED = N_("⏰ I'll remind you again at {time}.")
    TIP_SNOOZE_TOO_LATE = N_("It's too late in the day to snooze this one. It'll come round again.")
    NO_TIPS = N_("I have no tips to send right now. Please try again later.")
    REQUESTED_TIP_WITHDRAWN = N_(
        "The tip you asked for a moment ago won't come, for the same reason."
    )
    TIP_ON_ITS_WAY = N_("Your tip is on its way: one at a time.")
    TIP_HELD = N_("Exercise tips are paused until a clinician has checked you and cleared you.")
    CHECKIN_PROMPT = N_(
        "🏃 <b>How's your back after today's run?</b>\n"
        "Tap your pain right now: 0 is none at all, 10 is the worst you can imagine."
    )
    CHECKIN_NO_RUN = N_("I didn't run today")
    CHECKIN_PAIN_SET = N_("Pain now: <b>{pain}/10</b>")
    CHECKIN_WHERE = N_("📍 <b>Where does the pain go?</b>")
    CHECKIN_UNUSUAL = N_(
        "🙂 Glad to hear it. <b>Anything unusual today?</b> For example numbness, tingling, "
        "weakness, or trouble with your bladder or bowels."
    )
    CHECKIN_UNUSUAL_NO = N_("No, all good")
    CHECKIN_UNUSUAL_YES = N_("Yes, something's off")
    CHECKIN_FLAGS = N_(
        "🩺 <b>Do any of these apply right now?</b>\n"
        "Tap each one that does, then <b>Done</b>. If none do, tap <b>None of these</b>."
    )
    CHECKIN_FLAGS_NONE = N_("None of these")
    CHECKIN_FLAGS_DONE = N_("Done ✔️")
    CHECKIN_NO_RUN_THANKS = N_("👍 Thanks for letting me know. Enjoy the rest day!")
    CHECKIN_NO_RUN_WHY = N_("🤔 <b>Is your back the reason you didn't run?</b>")
    CHECKIN_NO_RUN_BACK = N_("Yes, it's my back")
    CHECKIN_NO_RUN_REST = N_("No, just a rest day")
    CHECKIN_NO_RUN_PAIN = N_(
        "I'm sorry. Let's see how it is.\n\n"
        "🩺 <b>How's your back right now?</b>\n"
        "Tap your pain: 0 is none at all, 10 is the worst you can imagine."
    )
    CHECKIN_FLAGS_TICKED = N_(
        "🩺 <b>Do any of these apply right now?</b>\nTap any others that do, then <b>Done</b>."
    )
    CHECKIN_FLAG_KEPT = N_("Already noted. Tell the doctor about it too.")
    CHECKIN_ALREADY_TOLD = N_(
        "Thank you for finishing the check-in. What I said above still stands: please follow it."
    )
    CHECKIN_START_NOW = N_("🩺 Start a check-in now")
    CHECKIN_FINISH_ABOVE = N_(
        "For anything else, finish the check-in with the buttons above when you can."
    )
    CHECKIN_CLOSED = N_("This check-in has closed. Send /checkin to start a new one.")
    CHECKIN_ALREADY_DONE = N_("You've already answered this check-in. Thanks!")
    CHECKIN_USE_BUTTONS = N_("Please answer the check-in with the buttons above. 🙏")
    CHECKIN_EMERGENCY_DONE = N_(
        "Thank you. Please follow the emergency advice above: call now if you haven't."
    )
    HELD_STATUS_EXERCISE = N_(
        "exercise and running reminders paused until a clinician clears you "
        "(send /resume once they have)"
    )
    HELD_STATUS_RUNNING = N_(
        "warm-up and form reminders paused after your check-in (/resume to restart)"
    )
    HOLD_CONFIRM_QUESTION = N_(
        "🩺 <b>Has a doctor or physiotherapist checked your back and cleared you to run and "
        "exercise?</b>"
    )
    HOLD_CONFIRM_YES = N_("✅ Yes, I've been cleared")
    HOLD_CONFIRM_NO = N_("Not yet")
    HOLD_NOT_YET = N_(
        "OK. Exercise and running reminders stay paused until you've been checked. I'll keep "
        "asking once a day how it's going."
    )
    HOLD_LIFTED = N_(
        "▶️ Great news. All your reminders are back on. Build back up gradually, and check in "
        "with me after your runs."
    )
    RUNNING_RESUMED = N_("▶️ Warm-up and form reminders are back on. Build back up gradually.")
    FOLLOW_UP_STILL_HELD = N_(
        "I'm glad it's easing. Because of what you told me, exercise and running reminders stay "
        "paused until a doctor or physio has checked you. Tap ✅ <b>Checked and cleared</b> on my "
        "daily question, or send /resume, once they have."
    )
    CHECKIN_SOON = N_("🕐 Got it. I'll check in with you at {time}.")
    CHECKIN_RAN_ALREADY = N_("I've already planned a check-in after today's run. Talk soon!")
    CHECKIN_NOT_SUBSCRIBED = N_("Send /start first, then I can check in with you after your runs.")
    FOLLOW_UP_BUTTONS = {
        "checked": N_("✅ Checked and cleared"),
        "better": N_("🙂 Better now"),
        "same": N_("😐 Still the same"),
        "worse": N_("😣 Worse"),
    }
    FOLLOW_UP_RESUMED = N_(
        "Great news. Your running reminders are back on. Build back up gradually, and check in "
        "with me after your runs."
    )
    _FOLLOW_UP_SAME = N_(
        "Thanks for telling me. If you haven't yet, please book that appointment; I'll keep "
        "running reminders paused and ask again tomorrow.\n\n"
    )
    FOLLOW_UP_WORSE = N_("I'm sorry it's worse. Let's go through the check-in again, right now.")
    SUMMARY_FOOTER = N_("\n\nSend /progress for your chart.")

    COMMANDS = (
        ("start", N_("Subscribe or see your settings")),
        ("settings", N_("Change your time zone, days or times")),
        ("tip", N_("Get a tip now")),
        ("checkin", N_("Check in about your back now")),
        ("ran", N_("I just ran: check in with me in an hour")),
        ("progress", N_("Your last 28 days")),
        ("returntorun", N_("A walk-run plan back to running after a sore spell")),
        ("pause", N_("Take a break from reminders")),
        ("resume", N_("Start reminders again")),
        ("stop", N_("Stop all messages")),
        ("privacy", N_("What is stored and why")),
        ("mydata", N_("Download everything stored about you")),
        ("delete", N_("Erase everything stored about you")),
        ("language", N_("English, Español, Русский")),
        ("help", N_("What BackStride can do")),
    )

    # What a runner reads for a reminder in another language than English ("what comes next"):
    # the plan's slot titles are the admins' own words, in English. By slot kind, and for tip
    # slots by their first category.
    SLOT_LABELS = {
        "check_in": N_("Check-in after your run"),
        "session": N_("Strength session"),
        "education": N_("Why it matters"),
        "summary": N_("Weekly summary"),
        "warm_up": N_("Warm-up before your run"),
        "core_strength": N_("Core strength"),
        "hips_glutes": N_("Hips and glutes"),
        "cross_training": N_("Cross-training idea"),
        "stretch_mobility": N_("Stretch and mobility"),
        "form": N_("Running form"),
        "footwear_surface": N_("Shoes and surfaces"),
        "recovery": N_("Recovery"),
        "everyday_back": N_("Everyday back care"),
    }

    # /language (the buttons name each language in its own words)
    LANGUAGE_PROMPT = N_("🌐 <b>Which language should I write to you in?</b>\nNow: {language}.")
    # Translators: said in the language just chosen, so it names itself ("... in Spanish").
    LANGUAGE_SET = N_("✅ From now on I'll write to you in English.")
    LANGUAGE_SET_START = N_("✅ I'll write to you in English. Send /start to begin.")
    LANGUAGE_SAME = N_("👍 I'm already writing to you in English.")

    @property
    def COUNTRY_SKIPPED(self) -> str:
        return self._COUNTRY_SKIPPED.format(number=self.UNKNOWN_NUMBER)

    @property
    def HELP(self) -> str:
        return self._HELP + self.NOT_A_DIAGNOSIS

    @property
    def FOLLOW_UP_SAME(self) -> str:
        return self._FOLLOW_UP_SAME + self.NOT_A_DIAGNOSIS

    # --- Moved out of the handlers and the application (layers issue) ---
    MYDATA_FILENAME = "backstride-my-data.json"  # not translated: a file name
    ERROR_SORRY = N_("Sorry, something went wrong on my side. Please try again in a moment.")
    NOT_SET = N_("not set")
    NOT_GIVEN = N_("not given")
    DAYS_LABEL_NONE = N_("none")
    DAYS_EVERY_DAY = N_("every day")

    # --- Stuck check-in steps and stale questions (issue 11) ---
    CHECKIN_HERE_IS_QUESTION = N_(
        "Here's where your check-in stopped: please answer with the buttons."
    )
    CHECKIN_RESUMED = N_("Picking up your check-in where it stopped.")


#: The texts in the current language (:mod:`bot.core.i18n`).
T = localized(Texts)


def esc(text: str) -> str:
    """Escape text from a person before it goes into an HTML message."""
    return html.escape(text, quote=False)


def plural(n: int, one: str, many: str) -> str:
    """`n` with the word that fits it: ``plural(1, "runner", "runners")`` is "1 runner",
    ``plural(3, ...)`` "3 runners". For the admins' English texts; a runner's counted text
    uses ``i18n.ngettext``, which knows each language's plural rules."""
    return f"{n} {one if n == 1 else many}"


# --- Admin texts ---
# /admin (bot/telegram/handlers/admin/). Placeholders in braces are filled by the handler; anything
# from a person or a file is escaped there first.

# Weekdays in the admin screens (English, like the rest of them; runners read Babel's names).
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ADMIN_NOT_ALLOWED = "⛔ Sorry, that's only for BackStride admins."
ADMIN_STALE = "That button is out of date. Send /admin for a fresh menu."
ADMIN_EXPIRED = "That admin question has expired. Send /admin to start again."
ADMIN_TEXT_ONLY = "Please type your answer as text, or send /cancel."
ADMIN_MENU = "🛠 <b>BackStride admin</b>\nWhat would you like to do?"
ADMIN_MENU_BUTTONS = {
    "sl": "🗓 Slots",
    "tl": "💡 Tips",
    "im": "📥 Re-import",
    "st": "📊 Stats",
    "an": "📣 Announcement",
    "au": "📜 Audit",
}
ADMIN_CLOSE = "✖️ Close"
ADMIN_CLOSED = "👍 Admin menu closed. /admin opens it again."
ADMIN_BACK = "⬅️ Back"
ADMIN_BACK_TO = "⬅️ {what}"
ADMIN_BACK_SLOTS = "⬅️ Slots"
ADMIN_HOME = "🏠 Menu"
ADMIN_CANCEL = "✖️ Cancel"
ADMIN_MORE = "… and {n} more"
ADMIN_REFRESH = "🔄 Refresh"
ADMIN_REFRESHED = "Updated"
ADMIN_SAVED_TOAST = "Saved ✅"
ADMIN_UNCHANGED = "Nothing changed: that is already the setting."
ADMIN_NOT_SAVED = "❌ <b>Not saved</b>, nothing was changed:"
ADMIN_RETRY = "Send it again, or /cancel."
ADMIN_CATEGORY_LABELS = {
    "warm_up": "Warm-up",
    "core_strength": "Core strength",
    "hips_glutes": "Hips and glutes",
    "cross_training": "Cross-training",
    "stretch_mobility": "Stretch and mobility",
    "form": "Running form",
    "footwear_surface": "Footwear and surfaces",
    "recovery": "Recovery",
    "everyday_back": "Everyday back care",
}

# Slots
ADMIN_SLOTS = "🗓 <b>The plan</b> ({slots})"
ADMIN_SLOTS_HINT = "\nTap a slot to change it."
ADMIN_SLOT_LINE = (
    "{n}. <b>{title}</b> · {kind}\n     {anchor} · {days} · {status} · reaches {reach}"
)
ADMIN_SLOT_DETAIL = (
    "🗓 <b>{title}</b> <i>({id})</i>\n"
    "Sends: {kind}\n"
    "When: {anchor}, in each runner's own time zone\n"
    "Days: {days}\n"
    "Status: {status} · reaches {reach}"
)
ADMIN_CHECKIN_DELAY_NOTE = "<i>Runners who chose their own check-in delay in /settings keep it.</i>"
ADMIN_ON = "✅ on"
ADMIN_OFF = "⏸ off"
ADMIN_KIND_TIP = "tips ({categories})"
ADMIN_KIND_CHECK_IN = "the post-run check-in"
ADMIN_KIND_SESSION = "strength sessions ({categories})"
ADMIN_KIND_EDUCATION = "the next why-it-matters message"
ADMIN_RUN = "the run"
ADMIN_TIP_TIME = "the tip time"
ADMIN_ANCHOR_FIXED = "at {time}"
ADMIN_ANCHOR_AT = "at {base}"
ADMIN_ANCHOR_BEFORE = "{duration} before {base}"
ADMIN_ANCHOR_AFTER = "{duration} after {base}"
ADMIN_DAYS_KINDS = {
    "run_days": "run days",
    "rest_days": "rest days",
    "every_day": "every day",
    "strength_days": "strength days (the runner's weekly goal)",
    "quiet_days": "quiet days (no run, no session)",
    "summary_day": "the runner's summary day",
}
ADMIN_WEEKLY_SUFFIX = ", only the first each week"
ADMIN_ANCHOR_BUTTONS = {
    "fixed": "⏰ Fixed time",
    "run": "🏃 From the run",
    "tip": "💡 From tip time",
}
ADMIN_DAYS_BUTTON = "📅 Days"
ADMIN_WEEKLY_ON = "🔁 Once a week: on"
ADMIN_WEEKLY_OFF = "🔁 Once a week: off"
ADMIN_ENABLE = "▶️ Switch on"
ADMIN_DISABLE = "⏸ Switch off"
ADMIN_ANCHOR_PROMPTS = {
    "fixed": (
        "⏰ <b>{title}</b> goes {now}.\n"
        "Type the new local time, like <i>12:30</i> or <i>6:15pm</i>: every runner gets it at "
        "that time in their own time zone."
    ),
    "run": (
        "🏃 <b>{title}</b> goes {now}.\n"
        "Type minutes from each runner's usual run time: <b>negative is before</b> the run "
        "(<i>-45</i> = 45 min before), <b>positive is after</b> it (<i>120</i> = 2 h after). "
        "From -720 to 720."
    ),
    "tip": (
        "💡 <b>{title}</b> goes {now}.\n"
        "Type minutes from each runner's daily tip time: <b>negative is before</b> it "
        "(<i>-30</i> = 30 min before), <b>positive is after</b> it, <i>0</i> = at the tip time. "
        "From -720 to 720."
    ),
}
ADMIN_BAD_TIME = (
    "I couldn't read “{text}” as a time. Try <i>12:30</i>, <i>07:05</i> or <i>6:15pm</i>."
)
ADMIN_BAD_MINUTES = (
    "I couldn't read “{text}” as minutes. Type a whole number like <i>-45</i> (before) or "
    "<i>30</i> (after)."
)
ADMIN_MINUTES_RANGE = "That's too far: use a number from -{limit} to {limit} minutes (12 hours)."
ADMIN_SLOT_SAVED = "✅ Saved. {schedules} recomputed: it applies from the next reminder."
ADMIN_DAYS = (
    "📅 <b>Days for {title}</b>\nNow: {days}.\n"
    "Pick run days, rest days or every day, or tap weekdays to choose them yourself."
)
ADMIN_DAYS_BUTTONS = {
    "run_days": "🏃 Run days",
    "rest_days": "🛋 Rest days",
    "every_day": "📆 Every day",
}
ADMIN_ADD_SLOT = "➕ Add a slot"
ADMIN_NEW_SLOT = (
    "➕ <b>Add a slot</b>\nWhat should it send? A tip slot rotates through one category's tips."
)
ADMIN_NEW_CHECK_IN = "🩺 Post-run check-in"
ADMIN_NEW_TIP_SLOT_TITLE = "{category} tips"
ADMIN_NEW_CHECK_IN_TITLE = "Post-run check-in"
ADMIN_SLOT_ADDED = (
    "✅ Added <b>{title}</b>. New slots start <b>switched off</b>: set when and on which days, "
    "then tap Switch on."
)
ADMIN_PREVIEW_DAY = "👁 Preview a runner's day"
ADMIN_PREVIEW_PROMPT = (
    "👁 Type a city or time zone (like <i>Berlin</i> or <i>America/New_York</i>). I'll show "
    "what a runner there with the usual settings (runs Mon, Wed and Fri at 07:00, tip at "
    "08:00) gets today and tomorrow."
)
ADMIN_ZONE_SUGGEST = "Which one do you mean: {zones}? Type it again."
ADMIN_ZONE_UNKNOWN = (
    "I couldn't find a time zone for “{text}”. Try a big city nearby or a zone like "
    "<i>Europe/Paris</i>."
)
ADMIN_PREVIEW_HEAD = (
    "👁 <b>A runner in {zone}</b>\n<i>Runs Mon, Wed and Fri at 07:00, tip at 08:00</i>"
)
ADMIN_PREVIEW_DAY_LABELS = ("Today", "Tomorrow", "Later")
ADMIN_PREVIEW_DATE = "\n<b>{label}, {date}</b>"
ADMIN_PREVIEW_NOTHING = "nothing"

# Tips
ADMIN_TIPS = "💡 <b>Tips</b>\nPick a category (in rotation / all)."
ADMIN_CATEGORY_BUTTON = "{label} ({active}/{total})"
ADMIN_ADD_TIP = "➕ Add a tip"
ADMIN_ADD_TIP_HERE = "➕ Add a tip here"
ADMIN_TIP_PAGE = (
    "💡 <b>{label}</b> · page {page} of {pages}\nTap a tip to see, edit or retire it. 🚫 = retired."
)
ADMIN_NO_TIPS = "No tips in this category yet."
ADMIN_PREV = "◀️ Previous"
ADMIN_NEXT = "Next ▶️"
ADMIN_TIP_DETAIL = "💡 <b>{title}</b>\n<i>{id}</i> · {category}\nStatus: {status}"
ADMIN_TIP_VERSION = " · version {version}"
ADMIN_TIP_ACTIVE = "✅ in rotation"
ADMIN_TIP_RETIRED = "🚫 retired (kept for history)"
ADMIN_TIP_PREVIEW = "👁 Preview"
ADMIN_TIP_EDIT = "✏️ Edit"
ADMIN_TIP_RETIRE = "🚫 Retire"
ADMIN_TIP_REACTIVATE = "♻️ Put back in rotation"
ADMIN_TIP_CATEGORY = "➕ <b>New tip</b>\nWhich category?"
ADMIN_TIP_ADD_PROMPT = (
    "✏️ <b>New {label} tip</b>\nSend it as one message: the <b>first line is the title</b> (up "
    "to 80 characters), the rest is the tip (up to 600). Bold, italic and links work, from "
    "Telegram's formatting menu or as tags like &lt;b&gt;bold&lt;/b&gt;."
)
ADMIN_TIP_EDIT_PROMPT = (
    "✏️ <b>Edit: {title}</b>\nSend the new version as one message: the first line is the "
    "title, the rest is the tip. The tip now:\n\n<code>{body}</code>"
)
ADMIN_TIP_ADDED = "✅ Added to {label}: it is in rotation from the next reminder."
ADMIN_TIP_SAVED = "✅ Saved: runners get the new version from now on."
ADMIN_TIP_TRANSLATIONS_KEPT = (
    "ℹ️ Runners who read {languages} keep this tip's words in their language, from "
    "schedules/tips/&lt;language&gt;/: change them there and re-import."
)
ADMIN_TIP_RETIRED_NOTE = "🚫 Retired: out of rotation, kept for history."
ADMIN_TIP_REACTIVATED = "♻️ Back in rotation."
ADMIN_SLOT_STARVED = (
    "⚠️ <b>{title}</b> has no tips left to send ({label} has none in rotation): it sends "
    "nothing until you add a tip or put one back."
)
ADMIN_AS_RUNNERS_SEE_IT = "<i>As runners see it:</i>"

# Re-import
ADMIN_IMPORT_REFUSED = (
    "❌ <b>schedules/ has {problems}, so nothing was changed.</b> Fix the files and try again:"
)
ADMIN_IMPORT_SAME = "✅ The running plan and tips already match schedules/. Nothing to import."
ADMIN_IMPORT_DIFF = (
    "📥 <b>Re-import from schedules/</b>\nThe files replace what differs here (changes made "
    "in Telegram included):"
)
ADMIN_IMPORT_CONFIRM = "\nApply these changes?"
ADMIN_IMPORT_APPLY = "✅ Apply"
ADMIN_IMPORT_DONE = (
    "✅ <b>Imported.</b> Runners' schedules are recomputed: it applies from the next reminder."
)
ADMIN_DIFF_SLOTS_ADDED = "<b>Slots added ({n})</b>"
ADMIN_DIFF_SLOTS_CHANGED = "<b>Slots changed ({n})</b>"
ADMIN_DIFF_SLOTS_DISABLED = "<b>Slots switched off ({n})</b>, no longer in the files"
ADMIN_DIFF_TIPS_ADDED = "<b>Tips added ({n})</b>"
ADMIN_DIFF_TIPS_CHANGED = "<b>Tips changed ({n})</b>"
ADMIN_DIFF_TIPS_RETIRED = "<b>Tips retired ({n})</b>, no longer in the files"
ADMIN_DIFF_REORDERED = "<b>New order</b> (the rotation follows it) in: {categories}"
ADMIN_DIFF_TRANSLATIONS = (
    "<b>Tips in {language}</b>: {changed} new or changed, {removed} no longer in the files"
)

# Stats (counts only)
ADMIN_STATS = (
    "📊 <b>Stats</b> <i>(counts only; days in UTC, weeks from Monday)</i>\n"
    "👥 Runners: {runners}\n"
    "🌐 Languages (subscribed): {languages}\n"
    "📨 Reminders sent: {sent_today} today · {sent_week} this week\n"
    "🗑 Not sent (late, no tip, blocked): {dropped_today} today · {dropped_week} this week\n"
    "🩺 Check-ins answered this week: {checkins}\n"
    "🚨 Escalations this week: {escalations}\n"
    "✅ “Done” this week: {done}"
)
ADMIN_STATS_STATUSES = {
    "active": "active",
    "paused": "paused",
    "stopped": "stopped",
    "blocked": "blocked",
    "onboarding": "setting up",
}
ADMIN_STATS_LEVELS = {2: "see a clinician", 3: "urgent", 4: "emergency"}
ADMIN_STATS_DONE = "{percent}% ({done} of {tips})"
ADMIN_STATS_NO_DONE = "no tips sent yet this week"

# Audit
ADMIN_AUDIT = "📜 <b>Last changes</b> (newest first, times in UTC)"
ADMIN_AUDIT_EMPTY = "No changes yet."
ADMIN_AUDIT_LINE = "\n<b>#{id}</b> {at} · admin {admin}\n{action} · {target}\n<i>{summary}</i>"
ADMIN_AUDIT_ACTIONS = {
    "slot_anchor": "time changed",
    "slot_days": "days changed",
    "slot_weekly": "once a week changed",
    "slot_enable": "switched on",
    "slot_disable": "switched off",
    "slot_add": "slot added",
    "tip_add": "tip added",
    "tip_edit": "tip edited",
    "tip_retire": "tip retired",
    "tip_reactivate": "tip back in rotation",
    "reimport": "re-import",
    "reimport_slot": "re-import: slot",
    "reimport_tip": "re-import: tip",
    "announce": "announcement",
    "announce_cancel": "announcement stopped",
}

# Announcements
ADMIN_ANNOUNCE_PROMPT = (
    "📣 <b>Announcement</b>\nType the message for {runners}. Bold, italic and "
    "links work (Telegram's formatting or HTML tags); up to {limit} characters. You'll see a "
    "preview before anything is sent."
)
ADMIN_ANNOUNCE_CONFIRM = (
    "☝️ That's the preview. It goes to <b>{runners}</b>, after any urgent "
    "messages, at Telegram's pace (about {minutes} min). Send it?"
)
ADMIN_ANNOUNCE_SEND = "📣 Send to {runners}"
ADMIN_ANNOUNCE_DISCARD = "✖️ Discard"
ADMIN_ANNOUNCE_DISCARDED = "🗑 Discarded: nothing was sent."
ADMIN_ANNOUNCE_GONE = "That announcement was already sent or discarded: nothing new was sent."
ADMIN_ANNOUNCE_QUEUED = "✅ Announcement #{n} is going out to {runners}."
ADMIN_ANNOUNCE_PROGRESS = (
    "📣 Announcement #{n}: {sent} of {queued} sent · {pending} still to go · {failed} failed "
    "· {dropped} not sent"
)
ADMIN_ANNOUNCE_REFRESH = "🔄 Progress"
ADMIN_ANNOUNCE_STOP = "⛔ Stop sending"
ADMIN_ANNOUNCE_STOPPED = (
    "⛔ Announcement #{n} stopped: {cancelled} not sent ({sent} had already gone out)."
)
ADMIN_NOT_QUEUED = "❌ <b>Not sent</b>, nothing was queued:"
