/* libgreeter.so: the plugin. `say` comes from the main program (the
 * global scope); `greet` is what the main program looks up. */
void say(const char *s);

static int calls;

int greet(const char *who) {
    calls++;
    say("hello, ");
    say(who);
    say(", from the plugin\n");
    return 42 + calls;
}
