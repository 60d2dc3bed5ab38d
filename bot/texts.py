"""Every user-facing string, in one place, ready for translation.

Messages use Telegram HTML: anything interpolated from a person must go through ``html.escape``
(the ``esc`` helper) before it is put into a template here.
"""

from __future__ import annotations

import html

NOT_A_DIAGNOSIS = "<i>BackStride gives general guidance, not a diagnosis.</i>"

WELCOME = (
    "👋 <b>Welcome to BackStride!</b>\n\n"
    "I help runners keep lower back pain away: a warm-up nudge before your runs, short strength "
    "and mobility ideas on other days, and a quick check-in after you run.\n\n"
    "I give general guidance, not a diagnosis. If you ever have numbness around your groin or "
    "bottom, new trouble peeing or controlling your bowels, or weakness in both legs, "
    "<b>call your emergency number straight away</b>: don't wait for me.\n\n"
    "I store your settings and your check-in answers so I can time reminders and spot "
    "warning signs. /privacy says more; /delete erases everything.\n\n"
    "Four quick questions and you're set."
)

ASK_TIMEZONE = (
    "🌍 <b>1/4 · Your time zone</b>\n"
    "Type your city or time zone (for example <i>Berlin</i>, <i>New York</i> or "
    "<i>Europe/Madrid</i>), share your location (📎 → Location), or pick one here:"
)
LOCATION_BUTTON = "📍 Share my location"
TZ_SUGGEST = "🤔 I'm not sure which one you mean. Is it one of these?"
TZ_UNKNOWN = (
    "I couldn't find a time zone for “{text}”. Try a bigger city nearby (like <i>London</i>), "
    "a zone name like <i>Europe/Paris</i>, or pick a button."
)
TZ_SET = "✅ Time zone: <b>{zone}</b> (your local time now is {local_time})."
TZ_FROM_LOCATION = "✅ From your location I picked <b>{zone}</b> (local time now {local_time})."
TZ_BAD_LOCATION = "That location doesn't look right. Please type your city instead."
OTHER_ZONE_BUTTON = "Other…"

ASK_DAYS = "📅 <b>2/4 · Your running days</b>\nTap the days you usually run, then <b>Done</b>."
DAYS_NONE = "Pick at least one day, then tap Done."
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DONE_BUTTON = "Done ✔️"

ASK_RUN_TIME = (
    "⏰ <b>3/4 · When do you usually run?</b>\n"
    "Pick a time or type it, like <i>7:30</i>, <i>18:00</i> or <i>6:15pm</i>."
)
RUN_TIME_SET = "✅ Usual run time: <b>{time}</b>."
TIP_TIME_SET = "✅ Daily tip time: <b>{time}</b>."
ASK_TIP_TIME = (
    "💡 <b>4/4 · When would you like your daily tip?</b>\n"
    "On days without a run I'll send a short strength or mobility idea at this time. "
    "Pick one or type it."
)
BAD_TIME = (
    "I couldn't read “{text}” as a time. Try something like <i>7:30</i>, <i>07:30</i>, "
    "<i>7.30</i> or <i>7:30pm</i>, or pick a button."
)

SUMMARY = (
    "<b>Your BackStride settings</b>\n"
    "🌍 Time zone: {zone}\n"
    "📅 Running days: {days}\n"
    "⏰ Usual run time: {run_time}\n"
    "💡 Daily tip: {tip_time}\n"
    "🩺 Check-in: {checkin} after your run · 📊 summary on {summary_day}\n"
    "📍 Status: {status}"
)
CONFIRM_PROMPT = "Does this look right?"
CONFIRM_BUTTON = "✅ Looks good"
CHANGE_BUTTON = "✏️ Change something"
SUBSCRIBED = (
    "🎉 You're all set! Your first reminder comes at the right time in your own time zone.\n"
    "/settings changes your answers, /pause takes a break, /help lists everything."
)
ALREADY_SUBSCRIBED = "You're already subscribed. Nothing has changed; here are your settings:"
WELCOME_BACK = "👋 Welcome back! Your reminders are on again with the settings you had:"
RESUME_ONBOARDING = "Let's pick up where we left off."

SETTINGS_MENU = "What would you like to change?"
SETTINGS_BUTTONS = {
    "tz": "🌍 Time zone",
    "days": "📅 Running days",
    "run": "⏰ Run time",
    "tip": "💡 Tip time",
    "delay": "🩺 Check-in delay",
    "summary": "📊 Summary day",
}
ASK_CHECKIN_DELAY = "🩺 <b>How long after your run should I check in?</b>"
CHECKIN_DELAY_CHOICES = {"30": "30 min", "60": "1 h", "120": "2 h", "180": "3 h"}
CHECKIN_DELAY_SET = "✅ Check-in: <b>{label}</b> after your run."
ASK_SUMMARY_DAY = "📊 <b>Which day would you like your weekly summary?</b>"
SUMMARY_DAY_SET = "✅ Weekly summary on <b>{day}</b>."
SETTINGS_CLOSE = "✔️ Close"
SETTINGS_SAVED = "Saved. Anything else?"
SETTINGS_CLOSED = "👍 Settings saved."
NOT_SUBSCRIBED = "You're not subscribed yet. Send /start to begin."

STATUS_LABELS = {
    "onboarding": "setting up",
    "active": "active",
    "paused": "paused",
    "stopped": "stopped",
    "blocked": "stopped",
}
PAUSED_UNTIL = "paused until {until}"

ASK_PAUSE = "⏸ How long would you like a break from reminders?"
PAUSE_BUTTONS = {"1d": "1 day", "1w": "1 week", "open": "Until I resume"}
PAUSED_FOR = "⏸ Paused until {until}. Send /resume to start again sooner."
PAUSED_OPEN = "⏸ Paused. Send /resume whenever you're ready."
RESUMED = "▶️ Welcome back! Reminders are on again."
NOT_PAUSED = "Your reminders are already on. Use /pause to take a break."
STOPPED = (
    "🛑 Done: I won't send you any more messages. Your settings are kept, so /start "
    "brings everything back. To erase your data instead, send /delete."
)
ALREADY_STOPPED = "You're already unsubscribed. Send /start to subscribe again."

HELP = (
    "<b>BackStride commands</b>\n"
    "/start – subscribe or see your settings\n"
    "/settings – change time zone, running days or times\n"
    "/tip – a tip right now\n"
    "/checkin – a check-in now · /ran – I just ran (check-in in an hour)\n"
    "/progress – your last 28 days\n"
    "/pause – take a break · /resume – start again\n"
    "/stop – no more messages (your data is kept)\n"
    "/privacy – what I store and why · /mydata – download it · /delete – erase it\n"
    "/help – this list\n\n"
    "If you have numbness around your groin or bottom, new trouble peeing or with your bowels, "
    "or weakness in both legs, call your emergency number now.\n" + NOT_A_DIAGNOSIS
)
PRIVACY = (
    "<b>What BackStride stores</b>\n"
    "• Your Telegram chat id, so I can message you.\n"
    "• Your settings: time zone, running days, run and tip times.\n"
    "• Which reminders I sent and whether you tapped Done.\n"
    "• Your check-in answers (pain score and warning signs), to spot patterns and escalate.\n"
    "Why: to send reminders at your local time, to stop repeating tips, and to spot warning "
    "signs and patterns in your answers. I don't store your name or what you type, and I "
    "never share your data. /mydata sends you a copy; /stop ends all messages; /delete "
    "erases everything about you."
)

MYDATA_CAPTION = "📦 Everything BackStride stores about you, as JSON."
DELETE_CONFIRM = (
    "🗑 <b>Erase everything about you?</b>\n"
    "Your settings, reminder history and check-in answers will be deleted for good, and I "
    "will stop messaging you. This can't be undone."
)
DELETE_YES = "Yes, erase it all"
DELETE_NO = "No, keep it"
DELETED = "Done: everything about you is erased. Send /start if you ever want to come back. 👋"
DELETE_KEPT = "OK, nothing was deleted."
NOTHING_STORED = "I don't have anything stored about you."

# Nudges for input I can't use.
USE_BUTTONS = "Please use the buttons above (or type your answer where I asked you to type)."
STALE_BUTTON = "That button belongs to an earlier conversation. Send /settings or /help."
UNKNOWN_COMMAND = "I don't know that command. /help lists what I can do."
UNKNOWN_TEXT = (
    "I'm a reminder bot, so I can't chat, but I'm here for you. /help lists what I can do."
)
NOT_TEXT = "I can only read text and button presses. /help lists what I can do."
PRIVATE_ONLY = "I only work in a private chat. Open a chat with me to subscribe."

# Reminders
TIP_DONE = "✅ Done"
TIP_SNOOZE = "⏰ Snooze 1 h"
TIP_ANOTHER = "🔄 Another tip"
TIP_DONE_THANKS = "Nice work! 💪"
TIP_ALREADY_DONE = "Already marked as done 👍"
TIP_SNOOZED = "⏰ I'll remind you again at {time}."
TIP_SNOOZE_TOO_LATE = "It's too late in the day to snooze this one. It'll come round again."
NO_TIPS = "I have no tips to send right now. Please try again later."
CHECKIN_PROMPT = (
    "🏃 <b>How's your back after today's run?</b>\n"
    "Tap your pain right now: 0 is none at all, 10 is the worst you can imagine."
)
CHECKIN_NO_RUN = "I didn't run today"
CHECKIN_PAIN_SET = "Pain now: <b>{pain}/10</b>"
CHECKIN_WHERE = "📍 <b>Where does the pain go?</b>"
CHECKIN_UNUSUAL = (
    "🙂 Glad to hear it. <b>Anything unusual today?</b> For example numbness, tingling, "
    "weakness, or trouble with your bladder or bowels."
)
CHECKIN_UNUSUAL_NO = "No, all good"
CHECKIN_UNUSUAL_YES = "Yes, something's off"
CHECKIN_FLAGS = (
    "🩺 <b>Do any of these apply right now?</b>\n"
    "Tap each one that does, then <b>Done</b>. If none do, tap <b>None of these</b>."
)
CHECKIN_FLAGS_NONE = "None of these"
CHECKIN_FLAGS_DONE = "Done ✔️"
CHECKIN_NO_RUN_THANKS = "👍 Thanks for letting me know. Enjoy the rest day!"
CHECKIN_CLOSED = "This check-in has closed. Send /checkin to start a new one."
CHECKIN_ALREADY_DONE = "You've already answered this check-in. Thanks!"
CHECKIN_USE_BUTTONS = "Please answer the check-in with the buttons above. 🙏"
CHECKIN_EMERGENCY_DONE = (
    "Thank you. Please follow the emergency advice above: call now if you haven't."
)
CHECKIN_SOON = "🕐 Got it. I'll check in with you at {time}."
CHECKIN_RAN_ALREADY = "I've already planned a check-in after today's run. Talk soon!"
CHECKIN_NOT_SUBSCRIBED = "Send /start first, then I can check in with you after your runs."
FOLLOW_UP_BUTTONS = {
    "checked": "✅ Checked and cleared",
    "better": "🙂 Better now",
    "same": "😐 Still the same",
    "worse": "😣 Worse",
}
FOLLOW_UP_RESUMED = (
    "Great news. Your running reminders are back on. Build back up gradually, and check in "
    "with me after your runs."
)
FOLLOW_UP_SAME = (
    "Thanks for telling me. If you haven't yet, please book that appointment; I'll keep "
    "running reminders paused and ask again tomorrow.\n\n" + NOT_A_DIAGNOSIS
)
FOLLOW_UP_WORSE = "I'm sorry it's worse. Let's go through the check-in again, right now."
RUNNING_PAUSED_NOTE = (
    "⏸ I've paused warm-up and form reminders until you tell me you're better. I'll ask you "
    "tomorrow how it's going."
)
PROGRESS_CAPTION_LIMIT = 1000
SUMMARY_FOOTER = "\n\nSend /progress for your chart."

COMMANDS = (
    ("start", "Subscribe or see your settings"),
    ("settings", "Change your time zone, days or times"),
    ("tip", "Get a tip now"),
    ("checkin", "Check in about your back now"),
    ("ran", "I just ran: check in with me in an hour"),
    ("progress", "Your last 28 days"),
    ("pause", "Take a break from reminders"),
    ("resume", "Start reminders again"),
    ("stop", "Stop all messages"),
    ("privacy", "What is stored and why"),
    ("mydata", "Download everything stored about you"),
    ("delete", "Erase everything stored about you"),
    ("help", "What BackStride can do"),
)


def esc(text: str) -> str:
    """Escape text from a person before it goes into an HTML message."""
    return html.escape(text, quote=False)
